/*-------------------------------------------------------------------------
 *
 * log.c
 *	  One-line structured (logfmt) logging for jimo-receiver.
 *
 *-------------------------------------------------------------------------
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

LogLevel	log_min_level = LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

int
log_parse_level(const char *name, LogLevel *level)
{
	for (int i = 0; i < 4; i++)
	{
		if (strcmp(name, level_names[i]) == 0)
		{
			*level = (LogLevel) i;
			return 1;
		}
	}
	return 0;
}

/*
 * Quote a value for logfmt: wrapped in double quotes, with quotes,
 * backslashes and control characters escaped, so a hostile header or error
 * message can never forge a second log line.  Truncates to fit bufsize.
 */
const char *
log_quote(char *buf, size_t bufsize, const char *value)
{
	size_t		o = 0;

	if (bufsize < 3)
		return "\"\"";
	buf[o++] = '"';
	for (const unsigned char *p = (const unsigned char *) (value ? value : "");
		 *p && o + 5 < bufsize; p++)
	{
		if (*p == '"' || *p == '\\')
		{
			buf[o++] = '\\';
			buf[o++] = (char) *p;
		}
		else if (*p == '\n')
		{
			buf[o++] = '\\';
			buf[o++] = 'n';
		}
		else if (*p < 0x20 || *p == 0x7f)
			o += (size_t) snprintf(buf + o, bufsize - o, "\\x%02x", *p);
		else
			buf[o++] = (char) *p;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

void
log_msg(LogLevel level, const char *msg, const char *fmt,...)
{
	char		line[2048];
	char		qmsg[512];
	struct timeval tv;
	struct tm	tm;
	size_t		n;
	int			r;

	if (!log_enabled(level))
		return;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = strftime(line, sizeof(line), "ts=%Y-%m-%dT%H:%M:%S", &tm);
	r = snprintf(line + n, sizeof(line) - n, ".%03dZ level=%s msg=%s",
				 (int) (tv.tv_usec / 1000), level_names[level],
				 log_quote(qmsg, sizeof(qmsg), msg));
	if (r > 0)
		n += (size_t) r;
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;

	if (fmt && *fmt && n < sizeof(line) - 3)
	{
		va_list		ap;

		line[n++] = ' ';
		va_start(ap, fmt);
		r = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
		va_end(ap);
		if (r > 0)
			n += ((size_t) r < sizeof(line) - n - 1) ? (size_t) r : sizeof(line) - n - 2;
	}
	line[n++] = '\n';

	/* one write per line: the kernel keeps it whole against other threads */
	if (write(STDERR_FILENO, line, n) < 0)
	{
		/* nowhere left to complain */
	}
}

/*
 * libmicrohttpd logs each connection a client drops or we cut mid-request,
 * so a crowd of slow clients would flood the log through it: at most
 * MHD_LINES_PER_SECOND of its lines per second, and the next line written
 * says how many were left out.
 */
#define MHD_LINES_PER_SECOND 5

void
log_mhd(void *cls, const char *fmt, va_list ap)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static time_t window;
	static int	lines;
	static long suppressed;
	long		left_out = 0;
	time_t		now = time(NULL);
	char		buf[512];
	char		q[600];
	size_t		n;

	(void) cls;
	pthread_mutex_lock(&lock);
	if (now != window)
	{
		window = now;
		lines = 0;
	}
	if (lines >= MHD_LINES_PER_SECOND)
	{
		suppressed++;
		pthread_mutex_unlock(&lock);
		return;
	}
	lines++;
	left_out = suppressed;
	suppressed = 0;
	pthread_mutex_unlock(&lock);

	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	log_msg(LOG_WARN, "libmicrohttpd", "detail=%s suppressed=%ld", log_quote(q, sizeof(q), buf),
			left_out);
}

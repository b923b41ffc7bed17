/*-------------------------------------------------------------------------
 *
 * log.h
 *	  One-line structured (logfmt) logging for jimo-receiver.
 *
 * Every record is a single line "ts=... level=... msg=... key=value ...",
 * written with one write(2) so that lines from different threads never
 * interleave.  Callers pass the key=value tail already formatted; values
 * that may contain spaces or quotes go through log_quote().
 *
 *-------------------------------------------------------------------------
 */
#ifndef RECEIVER_LOG_H
#define RECEIVER_LOG_H

#include <stdarg.h>
#include <stddef.h>

typedef enum LogLevel
{
	LOG_DEBUG = 0,
	LOG_INFO,
	LOG_WARN,
	LOG_ERROR
} LogLevel;

extern LogLevel log_min_level;

extern int	log_parse_level(const char *name, LogLevel *level);
extern void log_msg(LogLevel level, const char *msg, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));
extern const char *log_quote(char *buf, size_t bufsize, const char *value);

/* libmicrohttpd's MHD_OPTION_EXTERNAL_LOGGER: its messages as warnings */
extern void log_mhd(void *cls, const char *fmt, va_list ap);

#define log_enabled(level) ((level) >= log_min_level)

#endif							/* RECEIVER_LOG_H */

/*-------------------------------------------------------------------------
 *
 * config.c
 *	  Flags and environment of jimo-receiver.
 *
 * Each setting is a flag and an environment variable (JIMO_RECEIVER_*);
 * a flag wins over the environment.  The option table drives both
 * parsing and --help so that the two never disagree.
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "log.h"

ReceiverConfig config;

typedef enum OptKind
{
	OPT_STRING,
	OPT_INT,
	OPT_SIZE,
	OPT_BOOL,
	OPT_DURATION				/* int milliseconds, given as 10, 10s or 500ms */
} OptKind;

typedef struct OptSpec
{
	const char *name;
	const char *env;
	OptKind		kind;
	void	   *target;
	long		min;
	long		max;
	const char *arg;
	const char *help;
} OptSpec;

static char *secret_file;
static char *log_level_name;

static const OptSpec opts[] = {
	{"listen", "JIMO_RECEIVER_LISTEN", OPT_STRING, &config.listen, 0, 0, "HOST:PORT",
	"address Jimo posts to (default 127.0.0.1:8080; [::1]:8080 for IPv6)"},
	{"tls-cert", "JIMO_RECEIVER_TLS_CERT", OPT_STRING, &config.tls_cert, 0, 0, "FILE",
	"serve HTTPS on --listen with this PEM certificate chain (leaf first;\n"
	"TLS 1.2 and 1.3 only); with --tls-key. SIGHUP reads both files again:\n"
	"new connections get the new certificate, open ones go on; a pair that\n"
	"does not load is logged and the old one stays"},
	{"tls-key", "JIMO_RECEIVER_TLS_KEY", OPT_STRING, &config.tls_key, 0, 0, "FILE",
	"PEM private key of --tls-cert (not encrypted; readable by no one else)"},
	{"ops-listen", "JIMO_RECEIVER_OPS_LISTEN", OPT_STRING, &config.ops_listen, 0, 0, "HOST:PORT",
	"address of /healthz, /readyz and /metrics, or off\n"
	"(default 127.0.0.1:8081; always plain HTTP; the webhook address\n"
	"answers 404 for them)"},
	{"dsn", "JIMO_RECEIVER_DSN", OPT_STRING, &config.dsn, 0, 0, "CONNINFO",
	"libpq connection string or URI (default: the PG* environment variables)"},
	{"path", "JIMO_RECEIVER_PATH", OPT_STRING, &config.path, 0, 0, "PATH",
	"path Jimo posts to (default /webhooks/jimo)"},
	{"secret-file", "JIMO_RECEIVER_SECRET_FILE", OPT_STRING, &secret_file, 0, 0, "FILE",
	"file holding the shared secret (else $JIMO_RECEIVER_SECRET); accepted as\n"
	"the path segment PATH/SECRET, the query ?secret=SECRET or the basic-auth password"},
	{"open", "JIMO_RECEIVER_OPEN", OPT_BOOL, &config.open, 0, 0, NULL,
	"run without a secret: anyone who can reach the port can post"},
	{"batch-max", "JIMO_RECEIVER_BATCH_MAX", OPT_INT, &config.batch_max, 1, 100000, "N",
	"most deliveries stored in one transaction (default 256)"},
	{"batch-wait-ms", "JIMO_RECEIVER_BATCH_WAIT_MS", OPT_INT, &config.batch_wait_ms, 0, 10000, "MS",
	"longest a delivery waits for others to share its commit (default 1)"},
	{"batch-max-bytes", "JIMO_RECEIVER_BATCH_MAX_BYTES", OPT_SIZE, &config.batch_max_bytes, 1, 1L << 30, "BYTES",
	"most payload bytes in one transaction (default 16777216)"},
	{"db-connections", "JIMO_RECEIVER_DB_CONNECTIONS", OPT_INT, &config.db_connections, 1, 64, "N",
	"database connections, each with its own worker thread (default 2)"},
	{"db-timeout", "JIMO_RECEIVER_DB_TIMEOUT", OPT_DURATION, &config.db_timeout_ms, 100, 3600 * 1000, "DURATION",
	"longest wait for PostgreSQL to answer a batch, a probe or a connect;\n"
	"then the batch gets 503 and the connection is made anew (default 10s;\n"
	"statement_timeout is set to 90% of it)"},
	{"queue-max", "JIMO_RECEIVER_QUEUE_MAX", OPT_INT, &config.queue_max, 1, 1000000, "N",
	"deliveries waiting for a database worker before 503 (default 4096)"},
	{"refresh-cohorts", "JIMO_RECEIVER_REFRESH_COHORTS", OPT_INT, &config.refresh_cohorts_s, 0, 86400, "SECONDS",
	"run jimo.refresh_funnel_cohorts() this often, on a connection of its own,\n"
	"so that the funnel views read their cohorts from the cache; 0 = never\n"
	"(cron does it instead) (default 300)"},
	{"max-body", "JIMO_RECEIVER_MAX_BODY", OPT_SIZE, &config.max_body, 0, 1L << 30, "BYTES",
	"largest request body; larger gets 413 (default 1048576)"},
	{"max-header", "JIMO_RECEIVER_MAX_HEADER", OPT_SIZE, &config.max_header, 4096, 1L << 24, "BYTES",
	"memory per connection for request line and headers (default 32768)"},
	{"max-connections", "JIMO_RECEIVER_MAX_CONNECTIONS", OPT_INT, &config.max_connections, 1, 1000000, "N",
	"concurrent connections (default 1000); above 90% of it, each new one\n"
	"closes the oldest connection that has not proved the secret"},
	{"max-per-ip", "JIMO_RECEIVER_MAX_PER_IP", OPT_INT, &config.max_per_ip, 0, 1000000, "N",
	"concurrent connections from one address; 0 = no limit (default 64;\n"
	"use 0 behind a reverse proxy: all connections come from its address)"},
	{"head-timeout", "JIMO_RECEIVER_HEAD_TIMEOUT", OPT_DURATION, &config.head_timeout_ms, 100, 3600 * 1000, "DURATION",
	"close a connection that sends no whole request head within this time\n"
	"of its accept or of its previous answer (default 10s)"},
	{"idle-timeout", "JIMO_RECEIVER_IDLE_TIMEOUT", OPT_INT, &config.idle_timeout, 1, 86400, "SECONDS",
	"close a connection silent for this long (default 30)"},
	{"request-timeout", "JIMO_RECEIVER_REQUEST_TIMEOUT", OPT_INT, &config.request_timeout, 1, 86400, "SECONDS",
	"answer 408 when a body takes longer than this to arrive (default 60)"},
	{"http-threads", "JIMO_RECEIVER_HTTP_THREADS", OPT_INT, &config.http_threads, 1, 256, "N",
	"HTTP event-loop threads (default 2)"},
	{"retry-after", "JIMO_RECEIVER_RETRY_AFTER", OPT_INT, &config.retry_after, 0, 86400, "SECONDS",
	"Retry-After sent with 503 (default 10)"},
	{"shutdown-timeout", "JIMO_RECEIVER_SHUTDOWN_TIMEOUT", OPT_INT, &config.shutdown_timeout, 0, 3600, "SECONDS",
	"on SIGTERM, how long to wait for requests in flight (default 15)"},
	{"access-log", "JIMO_RECEIVER_ACCESS_LOG", OPT_BOOL, &config.access_log, 0, 0, NULL,
	"log one line per request"},
	{"log-level", "JIMO_RECEIVER_LOG_LEVEL", OPT_STRING, &log_level_name, 0, 0, "LEVEL",
	"debug, info, warn or error (default info)"},
	{NULL, NULL, 0, NULL, 0, 0, NULL, NULL}
};

static void
usage(void)
{
	printf("jimo-receiver " RECEIVER_VERSION ": receives Jimo webhooks and stores them with jimo.receive_batch\n\n"
		   "Usage: jimo-receiver [OPTION]...\n\n"
		   "Each option can also be set by the environment variable shown.\n\n");
	for (const OptSpec *o = opts; o->name; o++)
	{
		char		left[64];
		const char *h = o->help;

		snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		printf("  %-30s ", left);
		/* continuation lines of the help text line up under the first */
		for (; *h; h++)
		{
			putchar(*h);
			if (*h == '\n')
				printf("  %-30s ", "");
		}
		printf("\n  %-30s [%s]\n", "", o->env);
	}
	printf("  %-30s show this help and exit\n", "--help");
	printf("  %-30s show the version and exit\n\n", "--version");
	printf("Endpoints: POST PATH[/SECRET] on --listen (HTTPS with --tls-cert); GET /healthz,\n"
		   "/readyz, /metrics on --ops-listen. The secret is never logged.\n"
		   "JIMO_RECEIVER_SECRET holds it when no file is given.\n\n"
		   "Signals: SIGTERM/SIGINT answer what is in flight and exit 0; SIGHUP reloads\n"
		   "the TLS certificate and key. With $NOTIFY_SOCKET set (systemd Type=notify),\n"
		   "READY=1 is sent once both listeners accept connections.\n");
}

static int
set_option(const OptSpec *o, const char *value, const char *origin)
{
	char	   *end;
	long		v;

	switch (o->kind)
	{
		case OPT_STRING:
			free(*(char **) o->target);
			*(char **) o->target = strdup(value);
			return 1;
		case OPT_BOOL:
			if (value == NULL || strcmp(value, "1") == 0 || strcmp(value, "true") == 0 ||
				strcmp(value, "on") == 0 || strcmp(value, "yes") == 0)
				*(bool *) o->target = true;
			else if (strcmp(value, "0") == 0 || strcmp(value, "false") == 0 ||
					 strcmp(value, "off") == 0 || strcmp(value, "no") == 0 || value[0] == '\0')
				*(bool *) o->target = false;
			else
				goto bad;
			return 1;
		case OPT_INT:
		case OPT_SIZE:
		case OPT_DURATION:
			errno = 0;
			v = strtol(value, &end, 10);
			if (errno || end == value)
				goto bad;
			if (o->kind == OPT_DURATION)
			{
				/* a bare number is seconds, like every other timeout here */
				if (strcmp(end, "ms") == 0)
					end += 2;
				else if (*end == '\0' || strcmp(end, "s") == 0)
				{
					if (v > LONG_MAX / 1000)
						goto bad;
					v *= 1000;
					end += *end ? 1 : 0;
				}
			}
			if (*end != '\0' || v < o->min || v > o->max)
				goto bad;
			if (o->kind == OPT_SIZE)
				*(size_t *) o->target = (size_t) v;
			else
				*(int *) o->target = (int) v;
			return 1;
	}
bad:
	fprintf(stderr, "jimo-receiver: invalid value for %s %s: \"%s\"%s\n",
			origin, o->name, value ? value : "",
			o->kind == OPT_INT || o->kind == OPT_SIZE ? " (expected an integer in range)" :
			o->kind == OPT_DURATION ? " (expected a duration in range, like 10s or 500ms)" : "");
	return 0;
}

/*
 * Read the secret from a file: the first line, without its line end.  The
 * file may be a symlink or a secret mount; only its content matters.
 */
static int
read_secret_file(const char *file)
{
	FILE	   *f = fopen(file, "r");
	char		buf[4096];
	size_t		n;
	struct stat st;

	if (f == NULL)
	{
		fprintf(stderr, "jimo-receiver: could not open secret file \"%s\": %s\n",
				file, strerror(errno));
		return 0;
	}
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & S_IROTH))
		log_msg(LOG_WARN, "secret file is readable by everyone", "file=\"%s\"", file);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	config.secret = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return 1;
}

/*
 * A secret travels inside a URL, so it must survive as a path segment and
 * a query value without escaping: restrict it to unreserved characters.
 */
static int
check_secret(void)
{
	config.secret_len = strlen(config.secret);
	if (config.secret_len == 0)
	{
		fprintf(stderr, "jimo-receiver: the secret is empty\n");
		return 0;
	}
	for (const char *p = config.secret; *p; p++)
	{
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~'))
		{
			fprintf(stderr, "jimo-receiver: the secret may only contain letters, digits and - _ . ~ "
					"(it goes into a URL)\n");
			return 0;
		}
	}
	if (config.secret_len < 16)
		log_msg(LOG_WARN, "secret is shorter than 16 characters", "length=%zu", config.secret_len);
	return 1;
}

int
config_parse(int argc, char **argv, bool *exit_now)
{
	struct option longopts[64];
	int			n = 0;
	int			c;
	int			idx;
	const char *env_secret;

	*exit_now = false;
	config.listen = strdup("127.0.0.1:8080");
	config.ops_listen = strdup("127.0.0.1:8081");
	config.path = strdup("/webhooks/jimo");
	config.batch_max = 256;
	config.batch_wait_ms = 1;
	config.batch_max_bytes = 16 * 1024 * 1024;
	config.db_connections = 2;
	config.db_timeout_ms = 10000;
	config.queue_max = 4096;
	config.refresh_cohorts_s = 300;
	config.max_body = 1024 * 1024;
	config.max_header = 32 * 1024;
	config.max_connections = 1000;
	config.max_per_ip = 64;
	config.head_timeout_ms = 10000;
	config.idle_timeout = 30;
	config.request_timeout = 60;
	config.http_threads = 2;
	config.retry_after = 10;
	config.shutdown_timeout = 15;

	/* environment first, so that flags override it */
	for (const OptSpec *o = opts; o->name; o++)
	{
		const char *v = getenv(o->env);

		if (v != NULL && !set_option(o, v, "environment variable for"))
			return 2;
	}

	for (const OptSpec *o = opts; o->name; o++, n++)
		longopts[n] = (struct option)
	{
		o->name, o->kind == OPT_BOOL ? no_argument : required_argument, NULL, 0
	};
	longopts[n++] = (struct option)
	{
		"help", no_argument, NULL, 'h'
	};
	longopts[n++] = (struct option)
	{
		"version", no_argument, NULL, 'V'
	};
	longopts[n] = (struct option)
	{
		NULL, 0, NULL, 0
	};

	while ((c = getopt_long(argc, argv, "hV", longopts, &idx)) != -1)
	{
		if (c == 'h')
		{
			usage();
			*exit_now = true;
			return 0;
		}
		if (c == 'V')
		{
			printf("jimo-receiver " RECEIVER_VERSION "\n");
			*exit_now = true;
			return 0;
		}
		if (c != 0)
		{
			fprintf(stderr, "Try \"jimo-receiver --help\" for more information.\n");
			return 2;
		}
		if (!set_option(&opts[idx], optarg, "option"))
			return 2;
	}
	if (optind < argc)
	{
		fprintf(stderr, "jimo-receiver: unexpected argument \"%s\"\n", argv[optind]);
		return 2;
	}

	if (log_level_name && !log_parse_level(log_level_name, &log_min_level))
	{
		fprintf(stderr, "jimo-receiver: unknown log level \"%s\"\n", log_level_name);
		return 2;
	}

	/* empty means unset, so that an EnvironmentFile can leave them blank */
	if (config.tls_cert && config.tls_cert[0] == '\0')
	{
		free(config.tls_cert);
		config.tls_cert = NULL;
	}
	if (config.tls_key && config.tls_key[0] == '\0')
	{
		free(config.tls_key);
		config.tls_key = NULL;
	}
	if ((config.tls_cert == NULL) != (config.tls_key == NULL))
	{
		fprintf(stderr, "jimo-receiver: --tls-cert and --tls-key go together\n");
		return 2;
	}

	if (strcmp(config.ops_listen, "off") == 0 || config.ops_listen[0] == '\0')
	{
		free(config.ops_listen);
		config.ops_listen = NULL;
	}

	/* the path is compared literally: one leading slash, no trailing one */
	if (config.path[0] != '/')
	{
		fprintf(stderr, "jimo-receiver: --path must start with \"/\"\n");
		return 2;
	}
	for (size_t len = strlen(config.path); len > 1 && config.path[len - 1] == '/'; len--)
		config.path[len - 1] = '\0';

	env_secret = getenv("JIMO_RECEIVER_SECRET");
	if (secret_file)
	{
		if (!read_secret_file(secret_file))
			return 2;
	}
	else if (env_secret)
		config.secret = strdup(env_secret);

	if (config.secret)
	{
		if (!check_secret())
			return 2;
		if (config.open)
		{
			fprintf(stderr, "jimo-receiver: --open and a secret exclude each other\n");
			return 2;
		}
	}
	else if (!config.open)
	{
		fprintf(stderr, "jimo-receiver: no secret: give --secret-file FILE or set JIMO_RECEIVER_SECRET\n"
				"(or --open to accept posts from anyone who can reach the port)\n");
		return 2;
	}
	return 0;
}

void
config_free(void)
{
	free(config.listen);
	free(config.ops_listen);
	free(config.tls_cert);
	free(config.tls_key);
	free(config.dsn);
	free(config.path);
	if (config.secret)
	{
		explicit_bzero(config.secret, config.secret_len);
		free(config.secret);
	}
	free(secret_file);
	free(log_level_name);
}

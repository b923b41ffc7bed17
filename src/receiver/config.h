/*-------------------------------------------------------------------------
 *
 * config.h
 *	  Settings of jimo-receiver, from command-line flags and environment.
 *
 *-------------------------------------------------------------------------
 */
#ifndef RECEIVER_CONFIG_H
#define RECEIVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define RECEIVER_VERSION "0.16"

typedef struct ReceiverConfig
{
	char	   *listen;			/* host:port to bind for webhooks */
	char	   *ops_listen;		/* host:port for health and metrics; NULL = off */
	char	   *tls_cert;		/* PEM chain for HTTPS on --listen; NULL = plain HTTP */
	char	   *tls_key;		/* PEM private key of tls_cert */
	char	   *dsn;			/* libpq conninfo; NULL means PG* variables */
	char	   *path;			/* webhook path, no trailing slash */
	char	   *secret;			/* NULL only when open */
	size_t		secret_len;
	bool		open;			/* explicitly run without a secret */

	int			batch_max;		/* deliveries per receive_batch call */
	int			batch_wait_ms;	/* how long a batch waits to fill up */
	size_t		batch_max_bytes;	/* payload bytes per call */
	int			db_connections; /* DB worker threads, one PGconn each */
	int			db_timeout_ms;	/* longest wait for any answer from PostgreSQL */
	int			queue_max;		/* deliveries waiting for a worker */
	int			refresh_cohorts_s;	/* jimo.refresh_funnel_cohorts() period; 0 = never */

	size_t		max_body;		/* request body limit (413 beyond) */
	size_t		max_header;		/* per-connection memory for headers */
	int			max_connections;
	int			max_per_ip;
	int			idle_timeout;	/* seconds without traffic */
	int			head_timeout_ms;	/* accept (or last answer) to complete head */
	int			request_timeout;	/* seconds to receive one whole body */
	int			http_threads;
	int			retry_after;	/* seconds, sent with every 503 */
	int			shutdown_timeout;	/* seconds to answer in-flight work */
	bool		access_log;
} ReceiverConfig;

extern ReceiverConfig config;

/* Returns 0 to go on, otherwise the exit status (0 after --help). */
extern int	config_parse(int argc, char **argv, bool *exit_now);
extern void config_free(void);

#endif							/* RECEIVER_CONFIG_H */

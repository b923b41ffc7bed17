/*-------------------------------------------------------------------------
 *
 * main.c
 *	  jimo-receiver: the HTTP endpoint Jimo posts webhooks to.
 *
 * Threads: libmicrohttpd's event-loop threads (--http-threads), database
 * workers (--db-connections, one PGconn each), and this main thread, which
 * waits for signals: SIGHUP reloads the TLS certificate (tls.c), and
 * SIGTERM/SIGINT shut down in order:
 *
 *	 1. stop accepting connections and refuse new deliveries (503);
 *	 2. let the workers store what is queued and answer it;
 *	 3. wait for every request in flight to get its answer out;
 *	 4. stop the HTTP server and close the database connections.
 *
 * Steps 2 and 3 are bounded by --shutdown-timeout; past it, running
 * batches are cancelled, so their requests are answered 503, never lost
 * silently.  A worker waits at most a second for its cancel to be
 * confirmed, so a hung database cannot hold the shutdown either.
 *
 *-------------------------------------------------------------------------
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "notify.h"
#include "ops.h"
#include "queue.h"
#include "refresh.h"
#include "tls.h"

static void
sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/*
 * Each connection is a descriptor: lift the soft limit (often 1024) toward
 * the hard one so that --max-connections, not EMFILE, is what bounds us.
 */
static void
raise_fd_limit(void)
{
	struct rlimit rl;
	rlim_t		want = (rlim_t) config.max_connections + config.db_connections + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want) ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want)
		log_msg(LOG_WARN, "open file limit is below --max-connections", "limit=%lu max_connections=%d",
				(unsigned long) rl.rlim_cur, config.max_connections);
}

int
main(int argc, char **argv)
{
	sigset_t	sigs;
	int			sig = 0;
	bool		exit_now;
	int			rc;
	double		deadline;
	bool		cancelled = false;

	rc = config_parse(argc, argv, &exit_now);
	if (rc != 0 || exit_now)
	{
		config_free();
		return rc;
	}
	/* nothing started later should inherit the secret */
	unsetenv("JIMO_RECEIVER_SECRET");

	/*
	 * Block the shutdown signals before any thread starts so that every
	 * thread inherits the mask and only sigwait() below ever sees them.
	 * A client or server that hangs up must not kill us with SIGPIPE.
	 */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	raise_fd_limit();
	/* a certificate that does not load is a configuration error: before anything starts */
	if (tls_enabled() && !tls_init())
	{
		config_free();
		return 1;
	}
	queue_init(config.queue_max);
	if (db_start() != 0)
	{
		log_msg(LOG_ERROR, "could not start database workers", NULL);
		return 1;
	}
	/* ops first: once the webhook address answers, so does /readyz */
	if (!ops_start() || !http_start())
	{
		ops_stop();
		queue_close();
		db_join();
		tls_free();
		config_free();
		return 1;
	}
	log_msg(LOG_INFO, "listening", "listen=\"%s\" tls=%s ops_listen=\"%s\" path=\"%s\" auth=%s batch_max=%d "
			"batch_wait_ms=%d db_connections=%d db_timeout_ms=%d http_threads=%d max_body=%zu "
			"max_connections=%d max_per_ip=%d head_timeout_ms=%d refresh_cohorts_s=%d",
			config.listen, tls_enabled() ? "on" : "off",
			config.ops_listen ? config.ops_listen : "off", config.path,
			config.open ? "open" : "secret", config.batch_max, config.batch_wait_ms,
			config.db_connections, config.db_timeout_ms, config.http_threads, config.max_body,
			config.max_connections, config.max_per_ip, config.head_timeout_ms,
			config.refresh_cohorts_s);

	refresh_start();
	/* both listeners accept connections now (systemd Type=notify) */
	notify_systemd("READY=1");

	for (;;)
	{
		while (sigwait(&sigs, &sig) != 0)
			;
		if (sig != SIGHUP)
			break;
		if (!tls_enabled())
		{
			log_msg(LOG_INFO, "SIGHUP: nothing to reload (no --tls-cert)", NULL);
			continue;
		}
		notify_systemd("RELOADING=1");
		tls_reload();
		notify_systemd("READY=1");
	}
	notify_systemd("STOPPING=1");
	log_msg(LOG_INFO, "shutting down", "signal=%s inflight=%d queued=%d",
			sig == SIGTERM ? "SIGTERM" : "SIGINT", http_inflight(), queue_depth());

	/* first stop taking deliveries; nothing below may wait on the database */
	http_begin_shutdown();
	queue_close();
	refresh_cancel();
	deadline = mono_now() + config.shutdown_timeout;

	/*
	 * Workers exit once the closed queue is empty.  Each queued delivery is
	 * still suspended, so it must be answered (resumed) before MHD stops.
	 */
	for (;;)
	{
		bool		db_idle = queue_pending() == 0;

		if (db_idle && http_inflight() == 0)
			break;
		/* past the deadline, only slow uploads (never suspended) may remain */
		if (db_idle && cancelled && mono_now() > deadline + 1)
			break;
		if (mono_now() > deadline && !cancelled)
		{
			log_msg(LOG_WARN, "shutdown timeout: cancelling running batches",
					"inflight=%d queued=%d", http_inflight(), queue_depth());
			db_abandon();
			cancelled = true;
		}
		sleep_ms(10);
	}
	db_join();
	refresh_join(deadline + 1);
	http_stop();
	ops_stop();
	tls_free();
	log_msg(LOG_INFO, "stopped", "unanswered=%d", http_inflight());
	config_free();
	return 0;
}

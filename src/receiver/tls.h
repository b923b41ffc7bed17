/*-------------------------------------------------------------------------
 *
 * tls.h
 *	  HTTPS on the webhook listener: the certificate and key, reloadable.
 *
 *-------------------------------------------------------------------------
 */
#ifndef RECEIVER_TLS_H
#define RECEIVER_TLS_H

#include <stdbool.h>

#include <gnutls/abstract.h>

/*
 * TLS 1.2 and 1.3 only.  -VERS-ALL also drops the DTLS versions: a DTLS
 * version left enabled lets GnuTLS accept the TLS version it maps to.
 */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

/* true when --tls-cert/--tls-key are set */
extern bool tls_enabled(void);

/* Load the files at startup; false after logging why. */
extern bool tls_init(void);

/*
 * Read the files again (SIGHUP).  On any error the certificate in use stays
 * and the error is logged; new handshakes use the new one from the return.
 */
extern bool tls_reload(void);

/* After the webhook daemon has stopped. */
extern void tls_free(void);

/*
 * Connection bookkeeping, from the webhook daemon's connection notifier:
 * a certificate stays in memory while any connection that may have used it
 * is open.  tls_conn_pin() is for a connection that cannot be tracked.
 */
extern void *tls_conn_hold(void);
extern void tls_conn_release(void *hold);
extern void tls_conn_pin(void);

/* MHD_OPTION_HTTPS_CERT_CALLBACK: the current certificate, per handshake */
extern gnutls_certificate_retrieve_function2 tls_cert_callback;

#endif							/* RECEIVER_TLS_H */

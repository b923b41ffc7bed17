/*-------------------------------------------------------------------------
 *
 * tls.c
 *	  HTTPS on the webhook listener: the certificate and key, reloadable.
 *
 * libmicrohttpd 0.9.75 reads MHD_OPTION_HTTPS_MEM_CERT/_KEY once, when the
 * daemon starts.  Instead we give it MHD_OPTION_HTTPS_CERT_CALLBACK, which
 * GnuTLS calls during every handshake to ask for the certificate chain and
 * key; it answers with the current "generation".  SIGHUP loads the files
 * into a new generation and, only if that succeeded, makes it current:
 * handshakes from then on use it, connections already open (a delivery in
 * flight, a kept-alive sender) go on untouched, and nothing is restarted
 * or re-bound.  A file that does not load leaves the old generation in use.
 *
 * GnuTLS keeps the pointers the callback returned for the life of the
 * session, so a generation is freed only once no connection can hold
 * them.  A connection can only have been given a generation that was
 * current at some time after the connection started; so each generation
 * counts the connections that started while it was current (conns.c
 * calls tls_conn_hold/tls_conn_release from libmicrohttpd's connection
 * notifier, which runs before the handshake), and retired generations
 * are freed oldest first, each once its own count and the counts of all
 * older ones are zero.
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "config.h"
#include "log.h"
#include "tls.h"

/* a PEM chain or key larger than this is not one */
#define TLS_FILE_MAX (1024 * 1024)

typedef struct TlsGen
{
	struct TlsGen *next;		/* retired list, oldest first */
	unsigned long id;
	gnutls_pcert_st *pcert;		/* leaf first */
	unsigned int npcert;
	gnutls_privkey_t key;
	long		conns;			/* open connections started while current */
	bool		pinned;			/* an untracked connection may use it */
} TlsGen;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static TlsGen *current;
static TlsGen *retired_head;
static TlsGen *retired_tail;
static unsigned long next_id = 1;

bool
tls_enabled(void)
{
	return config.tls_cert != NULL;
}

static void
gen_free(TlsGen *g)
{
	for (unsigned int i = 0; i < g->npcert; i++)
		gnutls_pcert_deinit(&g->pcert[i]);
	free(g->pcert);
	if (g->key)
		gnutls_privkey_deinit(g->key);
	free(g);
}

/* Caller holds the lock. */
static void
free_unused_retired(void)
{
	while (retired_head && retired_head->conns == 0 && !retired_head->pinned)
	{
		TlsGen	   *g = retired_head;

		retired_head = g->next;
		if (retired_head == NULL)
			retired_tail = NULL;
		log_msg(LOG_DEBUG, "freed a replaced TLS certificate", "generation=%lu", g->id);
		gen_free(g);
	}
}

/* Whole file into memory; NUL-terminated, for PEM. */
static bool
read_whole(const char *what, const char *path, gnutls_datum_t *out, char *err, size_t errlen)
{
	FILE	   *f = fopen(path, "rb");
	struct stat st;
	size_t		n;

	out->data = NULL;
	out->size = 0;
	if (f == NULL)
	{
		snprintf(err, errlen, "could not open the %s file \"%s\": %s", what, path, strerror(errno));
		return false;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > TLS_FILE_MAX)
	{
		snprintf(err, errlen, "the %s file \"%s\" is not a regular file of at most %d bytes",
				 what, path, TLS_FILE_MAX);
		fclose(f);
		return false;
	}
	out->data = gnutls_malloc((size_t) st.st_size + 1);
	if (out->data == NULL)
	{
		snprintf(err, errlen, "out of memory reading \"%s\"", path);
		fclose(f);
		return false;
	}
	n = fread(out->data, 1, (size_t) st.st_size, f);
	if (ferror(f))
	{
		snprintf(err, errlen, "could not read the %s file \"%s\": %s", what, path, strerror(errno));
		fclose(f);
		gnutls_free(out->data);
		out->data = NULL;
		return false;
	}
	fclose(f);
	out->data[n] = '\0';
	out->size = (unsigned int) n;
	return true;
}

static void
datum_wipe_free(gnutls_datum_t *d)
{
	if (d->data)
	{
		explicit_bzero(d->data, d->size);
		gnutls_free(d->data);
	}
	d->data = NULL;
	d->size = 0;
}

/* The public key of the certificate must be the one of the private key. */
static bool
key_matches(gnutls_pubkey_t cert_pub, gnutls_privkey_t key)
{
	gnutls_pubkey_t from_key;
	gnutls_datum_t a = {NULL, 0};
	gnutls_datum_t b = {NULL, 0};
	bool		same = false;

	if (gnutls_pubkey_init(&from_key) < 0)
		return false;
	if (gnutls_pubkey_import_privkey(from_key, key, 0, 0) >= 0 &&
		gnutls_pubkey_export2(from_key, GNUTLS_X509_FMT_DER, &a) >= 0 &&
		gnutls_pubkey_export2(cert_pub, GNUTLS_X509_FMT_DER, &b) >= 0)
		same = a.size == b.size && memcmp(a.data, b.data, a.size) == 0;
	gnutls_free(a.data);
	gnutls_free(b.data);
	gnutls_pubkey_deinit(from_key);
	return same;
}

static void
hex(char *out, const unsigned char *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++)
	{
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/*
 * Load --tls-cert (the chain, leaf first or in any order) and --tls-key
 * into a new generation.  NULL with err filled in on any problem.
 */
static TlsGen *
load(char *err, size_t errlen)
{
	gnutls_datum_t cert_pem = {NULL, 0};
	gnutls_datum_t key_pem = {NULL, 0};
	gnutls_x509_crt_t *crts = NULL;
	unsigned int ncrts = 0;
	TlsGen	   *g = NULL;
	int			rc;
	struct stat st;

	if (!read_whole("TLS certificate", config.tls_cert, &cert_pem, err, errlen) ||
		!read_whole("TLS key", config.tls_key, &key_pem, err, errlen))
		goto fail;

	rc = gnutls_x509_crt_list_import2(&crts, &ncrts, &cert_pem, GNUTLS_X509_FMT_PEM,
									  GNUTLS_X509_CRT_LIST_SORT);
	if (rc < 0 || ncrts == 0)
	{
		snprintf(err, errlen, "no usable certificate in \"%s\" (expected PEM): %s",
				 config.tls_cert, rc < 0 ? gnutls_strerror(rc) : "the file holds none");
		goto fail;
	}

	g = calloc(1, sizeof(TlsGen));
	if (g == NULL || (g->pcert = calloc(ncrts, sizeof(gnutls_pcert_st))) == NULL)
	{
		snprintf(err, errlen, "out of memory loading the TLS certificate");
		goto fail;
	}
	rc = gnutls_pcert_import_x509_list(g->pcert, crts, &ncrts, 0);
	if (rc < 0)
	{
		snprintf(err, errlen, "could not use the certificate in \"%s\": %s",
				 config.tls_cert, gnutls_strerror(rc));
		goto fail;
	}
	g->npcert = ncrts;

	if (gnutls_privkey_init(&g->key) < 0)
	{
		snprintf(err, errlen, "out of memory loading the TLS key");
		goto fail;
	}
	rc = gnutls_privkey_import_x509_raw(g->key, &key_pem, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (rc < 0)
	{
		snprintf(err, errlen, "no usable private key in \"%s\" (expected PEM, not encrypted): %s",
				 config.tls_key, gnutls_strerror(rc));
		goto fail;
	}
	if (!key_matches(g->pcert[0].pubkey, g->key))
	{
		snprintf(err, errlen, "the key in \"%s\" does not belong to the certificate in \"%s\"",
				 config.tls_key, config.tls_cert);
		goto fail;
	}

	/* what was loaded, for the log: subject, expiry, SHA-256 of the leaf */
	{
		gnutls_datum_t dn = {NULL, 0};
		unsigned char fp[32];
		size_t		fplen = sizeof(fp);
		char		fphex[65] = "";
		char		qdn[300];
		char		notafter[32] = "?";
		time_t		exp = gnutls_x509_crt_get_expiration_time(crts[0]);
		struct tm	tm;

		if (gnutls_x509_crt_get_fingerprint(crts[0], GNUTLS_DIG_SHA256, fp, &fplen) >= 0)
			hex(fphex, fp, fplen);
		gnutls_x509_crt_get_dn3(crts[0], &dn, 0);
		if (exp != (time_t) -1 && gmtime_r(&exp, &tm))
			strftime(notafter, sizeof(notafter), "%Y-%m-%dT%H:%M:%SZ", &tm);
		g->id = next_id++;
		log_msg(LOG_INFO, "TLS certificate loaded",
				"generation=%lu subject=%s not_after=%s sha256=%s chain=%u",
				g->id, log_quote(qdn, sizeof(qdn), dn.data ? (const char *) dn.data : ""),
				notafter, fphex, g->npcert);
		if (exp != (time_t) -1 && exp < time(NULL))
			log_msg(LOG_WARN, "the TLS certificate has expired", "not_after=%s", notafter);
		gnutls_free(dn.data);
	}
	if (stat(config.tls_key, &st) == 0 && (st.st_mode & S_IROTH))
		log_msg(LOG_WARN, "TLS key file is readable by everyone", "file=\"%s\"", config.tls_key);

	for (unsigned int i = 0; i < ncrts; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
	datum_wipe_free(&cert_pem);
	datum_wipe_free(&key_pem);
	return g;

fail:
	if (crts)
	{
		for (unsigned int i = 0; i < ncrts; i++)
			gnutls_x509_crt_deinit(crts[i]);
		gnutls_free(crts);
	}
	if (g)
		gen_free(g);
	datum_wipe_free(&cert_pem);
	datum_wipe_free(&key_pem);
	return NULL;
}

bool
tls_init(void)
{
	char		err[600];
	char		q[700];

	current = load(err, sizeof(err));
	if (current == NULL)
	{
		log_msg(LOG_ERROR, "cannot start HTTPS", "error=%s", log_quote(q, sizeof(q), err));
		return false;
	}
	return true;
}

bool
tls_reload(void)
{
	char		err[600];
	char		q[700];
	TlsGen	   *g = load(err, sizeof(err));
	TlsGen	   *old;

	if (g == NULL)
	{
		pthread_mutex_lock(&lock);
		old = current;
		pthread_mutex_unlock(&lock);
		log_msg(LOG_ERROR, "TLS reload failed; still serving the previous certificate",
				"generation=%lu error=%s", old ? old->id : 0UL, log_quote(q, sizeof(q), err));
		return false;
	}
	pthread_mutex_lock(&lock);
	old = current;
	current = g;
	if (old)
	{
		old->next = NULL;
		if (retired_tail)
			retired_tail->next = old;
		else
			retired_head = old;
		retired_tail = old;
	}
	free_unused_retired();
	pthread_mutex_unlock(&lock);
	log_msg(LOG_INFO, "TLS certificate reloaded: new connections use it", "generation=%lu", g->id);
	return true;
}

void *
tls_conn_hold(void)
{
	TlsGen	   *g;

	pthread_mutex_lock(&lock);
	g = current;
	if (g)
		g->conns++;
	pthread_mutex_unlock(&lock);
	return g;
}

void
tls_conn_release(void *hold)
{
	TlsGen	   *g = hold;

	if (g == NULL)
		return;
	pthread_mutex_lock(&lock);
	g->conns--;
	free_unused_retired();
	pthread_mutex_unlock(&lock);
}

void
tls_conn_pin(void)
{
	pthread_mutex_lock(&lock);
	if (current)
		current->pinned = true;
	pthread_mutex_unlock(&lock);
}

int
tls_cert_callback(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
				  const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
				  gnutls_pcert_st **pcert, unsigned int *pcert_length,
				  gnutls_privkey_t *privkey)
{
	TlsGen	   *g;

	(void) session;
	(void) req_ca_rdn;
	(void) nreqs;
	(void) pk_algos;
	(void) pk_algos_length;
	pthread_mutex_lock(&lock);
	g = current;
	pthread_mutex_unlock(&lock);
	if (g == NULL)
		return -1;
	*pcert = g->pcert;
	*pcert_length = g->npcert;
	*privkey = g->key;
	return 0;
}

void
tls_free(void)
{
	pthread_mutex_lock(&lock);
	while (retired_head)
	{
		TlsGen	   *g = retired_head;

		retired_head = g->next;
		gen_free(g);
	}
	retired_tail = NULL;
	if (current)
		gen_free(current);
	current = NULL;
	pthread_mutex_unlock(&lock);
}

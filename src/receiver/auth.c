/*-------------------------------------------------------------------------
 *
 * auth.c
 *	  Shared-secret check for webhook requests.
 *
 * Jimo only lets the customer set a URL, so the secret can arrive in three
 * places: a path segment after the webhook path, the query parameter
 * "secret", or the password of basic auth (user:password@host).  Any one
 * of them matching is enough.  Every comparison takes time independent of
 * where the strings differ, so the secret cannot be guessed byte by byte.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include <microhttpd.h>

#include "auth.h"
#include "config.h"

/*
 * Constant-time comparison against the configured secret.  The loop always
 * runs over the whole secret, whatever the length or content of the input;
 * a length mismatch is folded into the result instead of returning early.
 */
bool
secret_equal(const char *given, size_t given_len)
{
	const unsigned char *s = (const unsigned char *) config.secret;
	const unsigned char *g = (const unsigned char *) given;
	size_t		n = config.secret_len;
	volatile unsigned char diff = 0;

	if (given == NULL || s == NULL)
		return false;
	diff |= (unsigned char) (given_len != n);
	for (size_t i = 0; i < n; i++)
	{
		/* past the end of the input, compare against itself: still n steps */
		unsigned char gc = i < given_len ? g[i] : s[i] ^ 0xff;

		diff |= (unsigned char) (gc ^ s[i]);
	}
	return diff == 0;
}

bool
auth_check(struct MHD_Connection *conn, const char *path_secret)
{
	const char *q;
	char	   *user;
	char	   *pass = NULL;
	bool		ok = false;

	if (config.open)
		return true;

	if (path_secret && secret_equal(path_secret, strlen(path_secret)))
		return true;

	q = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "secret");
	if (q && secret_equal(q, strlen(q)))
		return true;

	user = MHD_basic_auth_get_username_password(conn, &pass);
	if (pass)
	{
		ok = secret_equal(pass, strlen(pass));
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	if (user)
		MHD_free(user);
	return ok;
}

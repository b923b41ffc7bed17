/*-------------------------------------------------------------------------
 *
 * notify.c
 *	  systemd's readiness protocol (sd_notify), without libsystemd.
 *
 * Under Type=notify, systemd puts the path of a datagram socket in
 * $NOTIFY_SOCKET and waits for "READY=1" on it before it counts the
 * service as started.  The protocol is one datagram per message, so it is
 * a sendto() here instead of a dependency: the receiver runs the same with
 * or without systemd, and when the variable is unset this does nothing.
 * A path starting with '@' names a socket in the abstract namespace.
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

void
notify_systemd(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	size_t		len;
	int			fd;

	if (path == NULL || path[0] == '\0')
		return;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sa.sun_path))
	{
		log_msg(LOG_WARN, "NOTIFY_SOCKET is not a unix socket path; not notifying systemd",
				"state=%s", state);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
		sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *) &sa,
			   (socklen_t) (offsetof(struct sockaddr_un, sun_path) + len)) < 0)
		log_msg(LOG_WARN, "could not notify systemd", "state=%s error=\"%s\"", state, strerror(errno));
	else
		log_msg(LOG_DEBUG, "notified systemd", "state=%s", state);
	if (fd >= 0)
		close(fd);
}

/*-------------------------------------------------------------------------
 *
 * notify.h
 *	  systemd's readiness protocol (sd_notify), without libsystemd.
 *
 *-------------------------------------------------------------------------
 */
#ifndef RECEIVER_NOTIFY_H
#define RECEIVER_NOTIFY_H

/* Send STATE (e.g. "READY=1") to $NOTIFY_SOCKET; nothing when it is unset. */
extern void notify_systemd(const char *state);

#endif							/* RECEIVER_NOTIFY_H */

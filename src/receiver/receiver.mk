# jimo-receiver: the companion HTTP receiver, built alongside the extension.
# Included by the top-level Makefile after PGXS, so PG_CONFIG is known.
# PGXS's PROGRAM is taken by MODULE_big, hence the explicit rules.

RECEIVER = src/receiver/jimo-receiver
RECEIVER_SRCS = $(sort $(wildcard src/receiver/*.c))
RECEIVER_OBJS = $(RECEIVER_SRCS:.c=.o)
# RECEIVER_EXTRA_CFLAGS and RECEIVER_LDFLAGS are empty here; a packaging build
# passes the distribution's hardening flags through them (src/packaging/debian/rules).
RECEIVER_CFLAGS = -std=gnu11 -Wall -Wextra -Werror -O2 -g -pthread \
	-I$(shell $(PG_CONFIG) --includedir) $(RECEIVER_EXTRA_CFLAGS)
# GnuTLS directly, besides through libmicrohttpd: tls.c hands it the certificate
RECEIVER_LIBS = -L$(shell $(PG_CONFIG) --libdir) -lmicrohttpd -lgnutls -lpq -lpthread

all: $(RECEIVER)

# Own pattern rule: PGXS's %.o rule would add server flags (-fPIC, its
# include path) that a client program does not want.
src/receiver/%.o: src/receiver/%.c $(wildcard src/receiver/*.h)
	$(CC) $(RECEIVER_CFLAGS) -c -o $@ $<

$(RECEIVER): $(RECEIVER_OBJS)
	$(CC) $(RECEIVER_CFLAGS) $(RECEIVER_LDFLAGS) -o $@ $^ $(RECEIVER_LIBS)

install: install-receiver
.PHONY: install-receiver clean-receiver
install-receiver: $(RECEIVER)
	$(MKDIR_P) '$(DESTDIR)$(bindir)'
	$(INSTALL_PROGRAM) $(RECEIVER) '$(DESTDIR)$(bindir)/jimo-receiver'

clean: clean-receiver
clean-receiver:
	rm -f $(RECEIVER) $(RECEIVER_OBJS)

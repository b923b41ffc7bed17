# jimo-report: the numbers as one HTML page (libpq), built beside the extension.
# Included by the top-level Makefile after PGXS, so PG_CONFIG, EXTVERSION and
# bindir are known; explicit rules for the same reason as receiver.mk.

REPORT = src/report/jimo-report
REPORT_SRCS = $(sort $(wildcard src/report/*.c))
REPORT_OBJS = $(REPORT_SRCS:.c=.o)
REPORT_CFLAGS = -std=gnu11 -Wall -Wextra -Werror -O2 -g \
	-DJIMO_REPORT_VERSION='"$(EXTVERSION)"' \
	-I$(shell $(PG_CONFIG) --includedir)
REPORT_LIBS = -L$(shell $(PG_CONFIG) --libdir) -lpq -lm

all: $(REPORT)

# Own pattern rule: PGXS's %.o rule would add server flags.
src/report/%.o: src/report/%.c $(wildcard src/report/*.h)
	$(CC) $(REPORT_CFLAGS) -c -o $@ $<

$(REPORT): $(REPORT_OBJS)
	$(CC) $(REPORT_CFLAGS) -o $@ $^ $(REPORT_LIBS)

install: install-report
.PHONY: install-report clean-report
install-report: $(REPORT)
	$(MKDIR_P) '$(DESTDIR)$(bindir)'
	$(INSTALL_PROGRAM) $(REPORT) '$(DESTDIR)$(bindir)/jimo-report'

clean: clean-report
clean-report:
	rm -f $(REPORT) $(REPORT_OBJS)

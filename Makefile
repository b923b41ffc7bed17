# jimo_webhooks: PGXS build of the extension, plus the companion receiver.
#   make && sudo make install     build and install into the PostgreSQL of pg_config
#   make test                     everything, on a fresh machine (see README.md)
#   make run                      embedded throwaway cluster + receiver

EXTENSION  = jimo_webhooks
EXTVERSION = 0.16

MODULE_big = jimo_webhooks
OBJS = \
	src/jimo_webhooks.o \
	src/batch.o \
	src/bulk.o \
	src/cohort_marks.o \
	src/columns.o \
	src/deferred.o \
	src/digest.o \
	src/entities.o \
	src/event.o \
	src/extract.o \
	src/facts.o \
	src/fold.o \
	src/funnel.o \
	src/health.o \
	src/jimer_counts.o \
	src/journeys.o \
	src/layout.o \
	src/partitions.o \
	src/probe.o \
	src/number_text.o \
	src/payload.o \
	src/rollups.o \
	src/step_scales.o \
	src/steps.o \
	src/store.o \
	src/subxact.o \
	src/tags.o

# The install script of the current version is assembled from one file per
# concern under sql/install.  Released versions are frozen: a database created
# with one reaches the current version through the upgrade scripts under
# sql/jimo_webhooks--A--B.sql (ALTER EXTENSION jimo_webhooks UPDATE), shipped as is.
# The upgrade script into the current version is assembled the same way from
# sql/upgrade/PREV--CUR/*.sql; older upgrade scripts are committed whole.
EXTPREV = 0.15
UPGRADE = sql/$(EXTENSION)--$(EXTPREV)--$(EXTVERSION).sql
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql $(UPGRADE)
DATA = $(filter-out $(UPGRADE),$(sort $(wildcard sql/$(EXTENSION)--*--*.sql)))

REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/[a-z]*.sql)))
REGRESS := $(filter-out $(EXTENSION)--%,$(REGRESS))
REGRESS_OPTS = --load-extension=$(EXTENSION)

PG_CONFIG ?= pg_config
# -Wno-unused-parameter: PostgreSQL's own headers (ilist.h, bufpage.h) and its
# callback signatures (fmgr, GUC hooks) have parameters that go unused.
PG_CFLAGS += -Wall -Wextra -Werror -Wno-unused-parameter

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies; every object depends on every header.
$(OBJS): $(wildcard src/*.h)

sql/$(EXTENSION)--$(EXTVERSION).sql: $(sort $(wildcard sql/install/*.sql))
	cat $^ > $@

$(UPGRADE): $(sort $(wildcard sql/upgrade/$(EXTPREV)--$(EXTVERSION)/*.sql))
	cat $^ > $@

-include src/receiver/receiver.mk
-include src/report/report.mk

.PHONY: test run demo
test:
	bash test/run

run:
	bash src/receiver/run

demo:
	bash src/receiver/demo

# Debian packages (postgresql-15-jimo-webhooks, jimo-receiver) with debhelper and
# pg_buildext, left in $(DEB_OUT); the recipe is src/packaging/debian.
DEB_OUT = build/deb
.PHONY: deb
deb:
	bash src/packaging/build-deb.sh $(DEB_OUT)

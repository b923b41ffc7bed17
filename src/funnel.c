/*-------------------------------------------------------------------------
 * funnel.c
 *	  jimo.window_funnel: ClickHouse's windowFunnel as a PostgreSQL aggregate.
 *
 *	  window_funnel(window, [mode,] ts, VARIADIC steps boolean[]) returns,
 *	  per group, how many steps of the funnel were reached in order, every
 *	  step no later than `window` after the first one.  The results are those
 *	  of ClickHouse's windowFunnel for the same rows and modes: the scan below
 *	  follows src/AggregateFunctions/AggregateFunctionWindowFunnel.cpp of
 *	  ClickHouse master as of spring 2026 (after PR #99003, March 2026, which
 *	  made strict_deduplication return the level reached) branch by branch,
 *	  and sql/window_funnel.sql checks it on hand-worked cases and on
 *	  ClickHouse's own test cases (00632_aggregation_window_funnel).
 *
 * What ClickHouse does, and so what this does
 * -------------------------------------------
 * Every row adds one item (ts, k) per step k it matches; with strict_order, a
 * row matching no step adds (ts, 0).  The items are sorted by time, then
 * step (0 first), then arrival (which only matters for strict_once with
 * strict_deduplication), so rows may arrive in any order and a row that
 * matches several steps counts for each.  Then one greedy scan:
 *   - (ts, 1) (re)starts the chain: level 1 is reached, started at ts (in
 *     every mode: a repeated step 1 is never an error);
 *   - (ts, k>1) reaches level k when level k-1 is reached and ts <= the
 *     start of level k-1 + window (closed window); level k keeps that start;
 *   - the result is the highest level reached; reaching the last ends the scan.
 * Modes, a comma-separated list ('' is the default):
 *   strict_deduplication  (ts, k>1) with level k already reached ends the
 *                         scan with the highest level reached;
 *   strict_order          after the first step-1 item, an item matching no
 *                         step ends the scan with the highest level reached,
 *                         and (ts, k>1) with level k-1 not reached ends it
 *                         with the lowest level not reached;
 *   strict_increase       (ts, k>1) counts only if ts is later than the time
 *                         level k-1 was reached;
 *   strict_once           a row counts at most once in a chain (one row
 *                         matching steps 1 and 2 does not reach level 2):
 *                         every partial chain is tracked, with its rows;
 *   allow_reentry         needs strict_order: (ts, k>1) with level k-1 not
 *                         reached is skipped instead of ending the scan (an
 *                         item matching no step still ends it).
 * Window: an interval, in microseconds, with a month as 30 days and a day as
 * 24 hours, as PostgreSQL compares intervals and as jimo.funnel_window is
 * read: an elapsed duration, the same in every time zone.  It must be
 * positive (ClickHouse allows 0).  NULL ts: the row is ignored.  NULL steps
 * (or a NULL array): false.  (ClickHouse skips a row whose Nullable
 * condition is NULL; conditions on plain columns are never NULL there.)
 *
 * Memory per group
 * ----------------
 * The state keeps one 16-byte (ts, step bitmask, arrival number) entry per
 * row that matches at least one step, nothing for other rows: ClickHouse keeps
 * one entry per (row, step) and one per other row in strict_order.  Without
 * strict_order that is exact and as small as it gets: any matching row can
 * still change the result, since rows arrive in any order.  With strict_order
 * a row matching no step can interrupt the chain, so it matters; the state
 * then keeps those rows only while they can still decide the result: the
 * first one after the earliest step-1 row seen (as one number), and those
 * before that step-1 row (one per distinct time), since an earlier step-1 row
 * may still arrive.  Everything after that interruption, matching or not, is
 * dropped as it arrives.  The scan itself needs one slot per step, except
 * strict_once: a few chains per step (once_covers), or, when some row
 * matches several steps, every chain ClickHouse would keep.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "catalog/pg_type.h"
#include "common/int.h"
#include "common/int128.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "port/pg_bitutils.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

/* ClickHouse's limit too; the steps of a row fit in one uint32 */
#define FUNNEL_MAX_STEPS	32

/* strict_once: the partial chains of one group's scan may take this much */
#define FUNNEL_ONCE_MAX_BYTES	(512 * 1024 * 1024)

/* strict_once: redundant chains are looked for while a level has fewer */
#define ONCE_PRUNE_MAX	64

#define FM_STRICT_DEDUPLICATION	0x01
#define FM_STRICT_ORDER			0x02
#define FM_STRICT_INCREASE		0x04
#define FM_STRICT_ONCE			0x08
#define FM_ALLOW_REENTRY		0x10

static const struct
{
	const char *word;
	int			flag;
}			funnel_modes[] =
{
	{"strict_deduplication", FM_STRICT_DEDUPLICATION},
	{"strict_order", FM_STRICT_ORDER},
	{"strict_increase", FM_STRICT_INCREASE},
	{"strict_once", FM_STRICT_ONCE},
	{"allow_reentry", FM_ALLOW_REENTRY},
};

#define FUNNEL_MODES_HINT \
	"Modes are a comma-separated list of strict_deduplication, strict_order, " \
	"strict_increase, strict_once and allow_reentry (with strict_order); " \
	"'' is the default mode."

/* One row that matched a step (or, with strict_order, matched none) */
typedef struct FunnelEvent
{
	int64		ts;				/* microseconds, as TimestampTz */
	uint32		steps;			/* bit k-1 set: step k is true; 0: no step */
	uint32		row;			/* arrival number: ClickHouse's unique_id */
} FunnelEvent;

/*
 * Rows of one group.  Only the aggregate context holds it; the window and the
 * mode must be the same in every row, as they are parameters in ClickHouse.
 */
typedef struct FunnelState
{
	FunnelEvent *events;
	int			nevents;
	int			maxevents;
	uint32		next_row;
	int			nsteps;			/* 0 until a row brings a steps array */
	int			flags;			/* FM_* */
	bool		have_params;
	/* strict_order only: what can still interrupt the chain (see above) */
	bool		have_first;
	bool		have_break;
	int64		first_ts;		/* earliest row matching step 1 */
	int64		break_ts;		/* a row matching no step, after first_ts */
	int64		window;			/* microseconds, > 0 */
	Interval	window_arg;		/* as given, to check later rows cheaply */
	char	   *mode_arg;		/* as given (NULL for the form without mode) */
	int			mode_len;
} FunnelState;

/* at most this many rows per group: the serialized state must fit a bytea */
#define FUNNEL_MAX_EVENTS \
	((int) ((MaxAllocSize - VARHDRSZ - 64) / sizeof(FunnelEvent)))

PG_FUNCTION_INFO_V1(jimo_window_funnel_trans);
PG_FUNCTION_INFO_V1(jimo_window_funnel_trans_mode);
PG_FUNCTION_INFO_V1(jimo_window_funnel_final);
PG_FUNCTION_INFO_V1(jimo_window_funnel_combine);
PG_FUNCTION_INFO_V1(jimo_window_funnel_serialize);
PG_FUNCTION_INFO_V1(jimo_window_funnel_deserialize);

/* ------------------------------------------------------------------------
 * Parameters
 * ------------------------------------------------------------------------
 */

/*
 * The window in microseconds: 30-day months and 24-hour days, the linear
 * value PostgreSQL itself compares intervals by.  Computed in 128 bits, since
 * a large month count overflows 64; anything longer than int64 can hold is
 * longer than any two timestamps are apart, so it is clamped.
 */
static int64
window_microseconds(const Interval *w)
{
	INT128		span = int64_to_int128(w->time);

	int128_add_int64_mul_int64(&span, (int64) w->month * DAYS_PER_MONTH + w->day,
							   USECS_PER_DAY);
	if (int128_compare(span, int64_to_int128(0)) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("jimo.window_funnel: the window must be positive, got \"%s\"",
						DatumGetCString(DirectFunctionCall1(interval_out,
															IntervalPGetDatum(w)))),
				 errhint("The window is the longest time allowed from the first step to the last, e.g. '7 days'.")));
	if (int128_compare(span, int64_to_int128(PG_INT64_MAX)) > 0)
		return PG_INT64_MAX;
	return int128_to_int64(span);
}

static int
parse_mode(const char *mode, int len)
{
	int			flags = 0;
	int			pos = 0;

	/* all blank: the default mode */
	while (pos < len && isspace((unsigned char) mode[pos]))
		pos++;
	if (pos == len)
		return 0;

	pos = 0;
	for (;;)
	{
		int			start;
		int			end;
		int			i;
		bool		found = false;

		start = pos;
		while (pos < len && mode[pos] != ',')
			pos++;
		end = pos;
		while (start < end && isspace((unsigned char) mode[start]))
			start++;
		while (end > start && isspace((unsigned char) mode[end - 1]))
			end--;

		for (i = 0; i < (int) lengthof(funnel_modes); i++)
		{
			if (strlen(funnel_modes[i].word) == (size_t) (end - start) &&
				memcmp(funnel_modes[i].word, mode + start, end - start) == 0)
			{
				flags |= funnel_modes[i].flag;
				found = true;
				break;
			}
		}
		if (!found)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("jimo.window_funnel: unknown mode \"%s\"",
							pnstrdup(mode + start, end - start)),
					 end - start == 6 && memcmp(mode + start, "strict", 6) == 0 ?
					 errdetail("ClickHouse renamed \"strict\" to \"strict_deduplication\".") : 0,
					 errhint(FUNNEL_MODES_HINT)));
		if (pos == len)
			break;
		pos++;					/* the comma */
	}

	/* ClickHouse refuses it too: reentry only relaxes strict_order */
	if ((flags & FM_ALLOW_REENTRY) && !(flags & FM_STRICT_ORDER))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("jimo.window_funnel: mode allow_reentry needs strict_order"),
				 errhint(FUNNEL_MODES_HINT)));
	return flags;
}

/*
 * The first row fixes the parameters of the group; every later row must
 * repeat them.  Comparing what was given first keeps that cheap.
 */
static void
check_params(FunnelState *st, MemoryContext aggcxt, FunctionCallInfo fcinfo,
			 int mode_argno)
{
	Interval   *w;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("jimo.window_funnel: the window must not be NULL")));
	w = PG_GETARG_INTERVAL_P(1);
	if (mode_argno >= 0 && PG_ARGISNULL(mode_argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("jimo.window_funnel: the mode must not be NULL"),
				 errhint("Use '' for the default mode.")));

	if (!st->have_params)
	{
		st->window = window_microseconds(w);
		st->window_arg = *w;
		st->flags = 0;
		if (mode_argno >= 0)
		{
			text	   *m = PG_GETARG_TEXT_PP(mode_argno);

			st->flags = parse_mode(VARDATA_ANY(m), VARSIZE_ANY_EXHDR(m));
			st->mode_len = VARSIZE_ANY_EXHDR(m);
			st->mode_arg = MemoryContextAlloc(aggcxt, st->mode_len + 1);
			memcpy(st->mode_arg, VARDATA_ANY(m), st->mode_len);
		}
		st->have_params = true;
		return;
	}

	if (memcmp(w, &st->window_arg, sizeof(Interval)) != 0 &&
		window_microseconds(w) != st->window)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("jimo.window_funnel: the window must be the same in every row of a group")));
	if (mode_argno >= 0)
	{
		text	   *m = PG_GETARG_TEXT_PP(mode_argno);
		int			len = VARSIZE_ANY_EXHDR(m);

		if (st->mode_arg == NULL || len != st->mode_len ||
			memcmp(VARDATA_ANY(m), st->mode_arg, len) != 0)
		{
			if (parse_mode(VARDATA_ANY(m), len) != st->flags)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("jimo.window_funnel: the mode must be the same in every row of a group")));
		}
	}
}

/* The steps of one row as a bitmask; NULL elements are false */
static uint32
steps_mask(FunnelState *st, ArrayType *arr)
{
	int			n;
	bool	   *data;
	bits8	   *nulls;
	uint32		mask = 0;
	int			i;
	int			k;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("jimo.window_funnel: steps must be a one-dimensional array")));
	if (ARR_ELEMTYPE(arr) != BOOLOID)
		elog(ERROR, "jimo.window_funnel: steps must be boolean");
	n = ARR_NDIM(arr) == 0 ? 0 : ARR_DIMS(arr)[0];
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("jimo.window_funnel: at least one step is needed")));
	if (n > FUNNEL_MAX_STEPS)
		ereport(ERROR,
				(errcode(ERRCODE_TOO_MANY_ARGUMENTS),
				 errmsg("jimo.window_funnel: at most %d steps, got %d",
						FUNNEL_MAX_STEPS, n)));
	if (st->nsteps == 0)
		st->nsteps = n;
	else if (n != st->nsteps)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("jimo.window_funnel: every row of a group must have the same number of steps (%d, then %d)",
						st->nsteps, n)));

	/*
	 * Booleans are one byte each; NULL elements take no space.  (This is
	 * ARR_DATA_PTR, whose mixed signedness -Wextra rejects.)
	 */
	data = (bool *) ((char *) arr + (ARR_HASNULL(arr) ? (size_t) arr->dataoffset
									   : ARR_OVERHEAD_NONULLS(1)));
	nulls = ARR_NULLBITMAP(arr);
	for (i = 0, k = 0; i < n; i++)
	{
		if (nulls && !(nulls[i / 8] & (1 << (i % 8))))
			continue;
		if (data[k++])
			mask |= (uint32) 1 << i;
	}
	return mask;
}

/* ------------------------------------------------------------------------
 * The state
 * ------------------------------------------------------------------------
 */

static int
event_cmp(const void *a, const void *b)
{
	const FunnelEvent *x = a;
	const FunnelEvent *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	return 0;
}

/*
 * strict_order: drop what can no longer decide the result.  With the earliest
 * step-1 row at F, the scan ends at the first row matching no step after F
 * (B), so rows at or after B do not matter, nor do no-step rows after F other
 * than B (kept as break_ts), nor a second no-step row at the same time.
 * No-step rows at or before F stay: a step-1 row before them may still come.
 */
static void
funnel_compact(FunnelState *st)
{
	int			i;
	int			out = 0;
	bool		have_nomatch = false;
	int64		last_nomatch = 0;

	if (st->nevents > 1)
		qsort(st->events, st->nevents, sizeof(FunnelEvent), event_cmp);
	if (st->have_first)
	{
		for (i = 0; i < st->nevents; i++)
		{
			FunnelEvent *e = &st->events[i];

			if (e->steps == 0 && e->ts > st->first_ts)
			{
				if (!st->have_break || e->ts < st->break_ts)
				{
					st->have_break = true;
					st->break_ts = e->ts;
				}
				break;
			}
		}
	}
	for (i = 0; i < st->nevents; i++)
	{
		FunnelEvent *e = &st->events[i];

		if (st->have_break && e->ts >= st->break_ts)
			break;				/* sorted: all the rest too */
		if (e->steps == 0)
		{
			if (st->have_first && e->ts > st->first_ts)
				continue;
			if (have_nomatch && e->ts == last_nomatch)
				continue;
			have_nomatch = true;
			last_nomatch = e->ts;
		}
		st->events[out++] = *e;
	}
	st->nevents = out;
}

static void
funnel_make_room(FunnelState *st, MemoryContext aggcxt)
{
	int			newmax;

	if ((st->flags & FM_STRICT_ORDER) && st->maxevents > 0)
	{
		funnel_compact(st);
		if (st->nevents <= st->maxevents / 4 * 3)
			return;
	}
	if (st->maxevents >= FUNNEL_MAX_EVENTS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("jimo.window_funnel: more than %d matching rows in one group",
						FUNNEL_MAX_EVENTS)));
	/* most jimers have a few matching rows: start small */
	newmax = st->maxevents < 4 ? 4 : Min(st->maxevents * 2, FUNNEL_MAX_EVENTS);
	if (st->events == NULL)
		st->events = MemoryContextAlloc(aggcxt, newmax * sizeof(FunnelEvent));
	else
		st->events = repalloc(st->events, newmax * sizeof(FunnelEvent));
	st->maxevents = newmax;
}

static void
funnel_add(FunnelState *st, MemoryContext aggcxt, int64 ts, uint32 steps)
{
	FunnelEvent *e;

	if (st->flags & FM_STRICT_ORDER)
	{
		/* after an interruption nothing counts */
		if (st->have_break && ts >= st->break_ts)
			return;
		if (steps == 0 && st->have_first && ts > st->first_ts)
		{
			/* the earliest such row is the interruption; keep only it */
			st->have_break = true;
			st->break_ts = ts;
			return;
		}
		if ((steps & 1) && (!st->have_first || ts < st->first_ts))
		{
			st->have_first = true;
			st->first_ts = ts;
		}
	}
	else if (steps == 0)
		return;					/* rows matching no step change nothing */

	if (st->next_row == PG_UINT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("jimo.window_funnel: too many rows in one group")));
	if (st->nevents == st->maxevents)
		funnel_make_room(st, aggcxt);
	e = &st->events[st->nevents++];
	e->ts = ts;
	e->steps = steps;
	e->row = st->next_row++;
}

static Datum
funnel_trans(FunctionCallInfo fcinfo, int mode_argno)
{
	int			ts_argno = mode_argno < 0 ? 2 : 3;
	int			steps_argno = ts_argno + 1;
	MemoryContext aggcxt;
	FunnelState *st;
	uint32		steps = 0;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "jimo.window_funnel transition function called in non-aggregate context");

	if (PG_ARGISNULL(0))
		st = MemoryContextAllocZero(aggcxt, sizeof(FunnelState));
	else
		st = (FunnelState *) PG_GETARG_POINTER(0);

	/* every row, so that a bad window is reported whatever the data */
	check_params(st, aggcxt, fcinfo, mode_argno);

	if (PG_ARGISNULL(ts_argno))
		PG_RETURN_POINTER(st);
	if (!PG_ARGISNULL(steps_argno))
		steps = steps_mask(st, PG_GETARG_ARRAYTYPE_P(steps_argno));
	funnel_add(st, aggcxt, PG_GETARG_TIMESTAMPTZ(ts_argno), steps);
	PG_RETURN_POINTER(st);
}

/* window_funnel(window, ts, VARIADIC steps) */
Datum
jimo_window_funnel_trans(PG_FUNCTION_ARGS)
{
	return funnel_trans(fcinfo, -1);
}

/* window_funnel(window, mode, ts, VARIADIC steps) */
Datum
jimo_window_funnel_trans_mode(PG_FUNCTION_ARGS)
{
	return funnel_trans(fcinfo, 2);
}

/* ------------------------------------------------------------------------
 * The scan (ClickHouse's getEventLevel)
 * ------------------------------------------------------------------------
 */

/* strict_once: one partial chain, with the row that reached each level */
typedef struct OnceChain
{
	int64		first;
	int64		last;
	uint32		path[FLEXIBLE_ARRAY_MEMBER];
} OnceChain;

typedef struct OnceLevel
{
	OnceChain **chains;
	int			n;
	int			max;
} OnceLevel;

typedef struct FunnelRun
{
	int			nsteps;
	int			flags;
	int64		window;
	bool		first_event;	/* a step-1 item was seen */
	int			result;			/* -1 until decided */
	bool		literal;		/* strict_once: keep the chains ClickHouse keeps */
	MemoryContext chains_cxt;	/* strict_once: where the chains are */
	struct
	{
		bool		reached;
		int64		first;		/* when the chain that reached it started */
		int64		last;		/* when it was reached */
	}			level[FUNNEL_MAX_STEPS];
	OnceLevel	once[FUNNEL_MAX_STEPS];
} FunnelRun;

static inline bool
in_window(const FunnelRun *r, int64 first, int64 ts)
{
	int64		limit;

	/*
	 * A window capped at INT64_MAX microseconds (292 277 years, see
	 * window_microseconds) is unbounded: timestamps span up to 299 000
	 * years, so first + the cap could still fall short of a later row (0.15
	 * answered 1 for '2147483647 days' over 4713 BC .. 294276 AD).  Past the
	 * largest timestamp: every later row is inside.
	 */
	if (r->window == PG_INT64_MAX ||
		pg_add_s64_overflow(first, r->window, &limit))
		return true;
	return ts <= limit;
}

static inline bool
decide(FunnelRun *r, int level)
{
	r->result = level;
	return true;
}

static int
highest_reached(const FunnelRun *r)
{
	int			k;

	for (k = r->nsteps; k > 0; k--)
	{
		if ((r->flags & FM_STRICT_ONCE) ? r->once[k - 1].n > 0 : r->level[k - 1].reached)
			return k;
	}
	return 0;
}

/* -1 when every level is reached */
static int
lowest_unreached(const FunnelRun *r)
{
	int			k;

	for (k = 0; k < r->nsteps; k++)
	{
		if (!((r->flags & FM_STRICT_ONCE) ? r->once[k].n > 0 : r->level[k].reached))
			return k;
	}
	return -1;
}

/*
 * strict_once keeps partial chains.  ClickHouse keeps every one it makes (one
 * per combination of rows: quadratic in the rows of a group), although only
 * whether a level has a chain, and which chains later items can extend,
 * decide the result.  Chain A makes chain B redundant when A started no
 * earlier (its window lasts as long), every item that can extend B can extend
 * A, and A's extension again makes B's redundant.  That holds when A was
 * reached before the time being scanned (later items come from other rows,
 * and strict_increase holds for A as for B), or when A holds exactly B's rows
 * and (strict_increase) was reached no later.
 *
 * Redundant chains are dropped only when no row matches two steps (r->literal
 * false).  Otherwise ClickHouse's own dropping of chains out of the window
 * (keeping one) becomes visible through strict_deduplication, which looks at
 * the rows of every chain of a level, so the scan keeps what ClickHouse keeps.
 */
static bool
once_covers(const OnceChain *a, const OnceChain *b, int level, int64 now,
			bool strict_increase)
{
	int			i;
	int			j;

	if (a->first < b->first)
		return false;
	if (a->last < now)
		return true;
	if (strict_increase && a->last > b->last)
		return false;
	for (i = 0; i <= level; i++)
	{
		for (j = 0; j <= level; j++)
		{
			if (a->path[i] == b->path[j])
				break;
		}
		if (j > level)
			return false;
	}
	return true;
}

static void
once_add(FunnelRun *r, int level, OnceChain *c, int64 now)
{
	OnceLevel  *l = &r->once[level];
	bool		si = (r->flags & FM_STRICT_INCREASE) != 0;
	int			i;
	int			out = 0;

	/*
	 * Literal: appended, as ClickHouse appends.  Until 0.16 every add also
	 * copied the level's list, so a group of a few hundred rows matching
	 * several steps took seconds (quartic where ClickHouse is quadratic).
	 * Otherwise redundant chains are dropped while the level is short: a
	 * level grows long only with many rows at one time (once_sweep keeps
	 * one chain per level at each new time), and there comparing every new
	 * chain with every kept one made 3 000 rows at three times take minutes;
	 * keeping a redundant chain changes no result, it is what ClickHouse does.
	 */
	if (!r->literal && l->n < ONCE_PRUNE_MAX)
	{
		for (i = 0; i < l->n; i++)
		{
			CHECK_FOR_INTERRUPTS();
			if (once_covers(l->chains[i], c, level, now, si))
			{
				pfree(c);
				return;
			}
		}
		for (i = 0; i < l->n; i++)
		{
			if (once_covers(c, l->chains[i], level, now, si))
				pfree(l->chains[i]);
			else
				l->chains[out++] = l->chains[i];
		}
		l->n = out;
	}
	if (l->n == l->max)
	{
		l->max = l->max ? l->max * 2 : 4;
		l->chains = l->chains ? repalloc(l->chains, l->max * sizeof(OnceChain *))
			: palloc(l->max * sizeof(OnceChain *));
	}
	l->chains[l->n++] = c;
}

/*
 * Before the first item at a later time, every chain was reached before that
 * time, so on each level the one that started last covers all the others.
 */
static void
once_sweep(FunnelRun *r)
{
	int			k;
	int			i;

	for (k = 0; k < r->nsteps; k++)
	{
		OnceLevel  *l = &r->once[k];
		int			best = 0;

		if (l->n < 2)
			continue;
		for (i = 1; i < l->n; i++)
		{
			if (l->chains[i]->first > l->chains[best]->first)
				best = i;
		}
		for (i = 0; i < l->n; i++)
		{
			if (i != best)
				pfree(l->chains[i]);
		}
		l->chains[0] = l->chains[best];
		l->n = 1;
	}
}

static OnceChain *
once_chain(FunnelRun *r, int64 first, int64 last)
{
	OnceChain  *c;

	/*
	 * ClickHouse keeps a chain per combination of rows, exponential in the
	 * steps a row may match at once; its memory tracker ends such a query.
	 * Here the scan's own context is bounded, and the scan can be cancelled.
	 */
	CHECK_FOR_INTERRUPTS();
	if (MemoryContextMemAllocated(r->chains_cxt, false) > FUNNEL_ONCE_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("jimo.window_funnel: strict_once needs more than %d MB of partial chains for one group",
						FUNNEL_ONCE_MAX_BYTES / (1024 * 1024)),
				 errdetail("With strict_once every partial chain of rows is kept, as ClickHouse keeps them: one per combination of rows when rows match several steps."),
				 errhint("Use fewer rows per group, steps that do not overlap, or another mode.")));
	c = palloc(offsetof(OnceChain, path) + r->nsteps * sizeof(uint32));

	c->first = first;
	c->last = last;
	return c;
}

/* the row is one of the chain's first `levels` rows */
static inline bool
once_holds(const OnceChain *c, int levels, uint32 row)
{
	int			j;

	for (j = 0; j < levels; j++)
	{
		if (c->path[j] == row)
			return true;
	}
	return false;
}

/* ClickHouse's getEventLevelStrictOnce, one item; true when decided */
static bool
feed_once(FunnelRun *r, int64 ts, int step, uint32 row)
{
	int			idx = step - 1;
	OnceLevel  *prev;
	int			i;
	int			kept;

	CHECK_FOR_INTERRUPTS();
	if (idx < 0)
	{
		/* a row matching no step (strict_order only) */
		if (r->first_event)
			return decide(r, highest_reached(r));
		return false;
	}
	if (idx == 0)
	{
		OnceChain  *c = once_chain(r, ts, ts);

		c->path[0] = row;
		once_add(r, 0, c, ts);
		r->first_event = true;
		return false;
	}
	/*
	 * As in ClickHouse, whatever rows the chains at this level hold: until
	 * 0.16 the item was skipped when every one held this very row (which
	 * matched an earlier step too), and a funnel of rows matching several
	 * steps went one level further than ClickHouse (an audit found it).
	 */
	if ((r->flags & FM_STRICT_DEDUPLICATION) && r->once[idx].n > 0)
		return decide(r, highest_reached(r));
	if ((r->flags & FM_STRICT_ORDER) && r->first_event && r->once[idx - 1].n == 0)
	{
		if (r->flags & FM_ALLOW_REENTRY)
			return false;
		i = lowest_unreached(r);
		return i >= 0 ? decide(r, i) : false;
	}
	prev = &r->once[idx - 1];
	/* children go to another level, so prev only shrinks, by erasures */
	kept = 0;
	for (i = 0; i < prev->n; i++)
	{
		OnceChain  *p = prev->chains[i];
		OnceChain  *c;

		if (!in_window(r, p->first, ts))
		{
			/*
			 * ClickHouse drops a chain that is out of the window while the
			 * level holds another (counting those not yet looked at).
			 */
			if (r->literal && kept + (prev->n - i) > 1)
			{
				pfree(p);
				continue;
			}
			prev->chains[kept++] = p;
			continue;
		}
		prev->chains[kept++] = p;
		if (once_holds(p, idx, row))
			continue;			/* this row is already in the chain */
		if ((r->flags & FM_STRICT_INCREASE) && !(p->last < ts))
			continue;
		c = once_chain(r, p->first, ts);
		memcpy(c->path, p->path, idx * sizeof(uint32));
		c->path[idx] = row;
		once_add(r, idx, c, ts);
		if (idx + 1 == r->nsteps)
			return decide(r, r->nsteps);
	}
	prev->n = kept;
	return false;
}

/* ClickHouse's getEventLevelNonStrictOnce, one item; true when decided */
static bool
feed(FunnelRun *r, int64 ts, int step, uint32 row)
{
	int			idx = step - 1;

	if (r->flags & FM_STRICT_ONCE)
		return feed_once(r, ts, step, row);

	if (idx < 0)
	{
		/* a row matching no step (strict_order only) */
		if (r->first_event)
			return decide(r, highest_reached(r));
		return false;
	}
	if (idx == 0)
	{
		r->level[0].reached = true;
		r->level[0].first = ts;
		r->level[0].last = ts;
		r->first_event = true;
		return false;
	}
	if ((r->flags & FM_STRICT_DEDUPLICATION) && r->level[idx].reached)
		return decide(r, highest_reached(r));
	if ((r->flags & FM_STRICT_ORDER) && r->first_event && !r->level[idx - 1].reached)
	{
		int			k;

		if (r->flags & FM_ALLOW_REENTRY)
			return false;
		k = lowest_unreached(r);
		return k >= 0 ? decide(r, k) : false;
	}
	if (r->level[idx - 1].reached)
	{
		int64		first = r->level[idx - 1].first;

		if (in_window(r, first, ts) &&
			(!(r->flags & FM_STRICT_INCREASE) || r->level[idx - 1].last < ts))
		{
			r->level[idx].reached = true;
			r->level[idx].first = first;
			r->level[idx].last = ts;
			if (idx + 1 == r->nsteps)
				return decide(r, r->nsteps);
		}
	}
	return false;
}

/*
 * The items in ClickHouse's order: by time, then step (a row matching no
 * step first), then arrival; the interruption kept as break_ts goes before
 * everything at its time.  The state is left as it is (FINALFUNC_MODIFY =
 * READ_ONLY, so that the aggregate also works as a window function): the
 * rows are sorted in a copy.
 */
static int
funnel_level(const FunnelState *st)
{
	FunnelEvent *ev = st->events;
	int			n = st->nevents;
	FunnelRun	run;
	FunnelRun  *r = &run;
	MemoryContext cxt = NULL;
	MemoryContext old = NULL;
	bool		break_fed = !st->have_break;
	int			result;
	int			i;
	int			j;

	if (n == 0 || st->nsteps == 0)
		return 0;
	/* what ClickHouse answers without a scan; every entry matched step 1 */
	if (!(st->flags & FM_STRICT_ORDER) && st->nsteps == 1)
		return 1;

	if (n > 1)
	{
		ev = palloc(n * sizeof(FunnelEvent));
		memcpy(ev, st->events, n * sizeof(FunnelEvent));
		qsort(ev, n, sizeof(FunnelEvent), event_cmp);
	}

	memset(r, 0, sizeof(FunnelRun));
	/* only strict_once allocates during the scan: partial chains */
	if (st->flags & FM_STRICT_ONCE)
	{
		cxt = AllocSetContextCreate(CurrentMemoryContext, "jimo.window_funnel scan",
									ALLOCSET_SMALL_SIZES);
		old = MemoryContextSwitchTo(cxt);
	}
	r->chains_cxt = cxt;
	r->nsteps = st->nsteps;
	r->flags = st->flags;
	r->window = st->window;
	r->result = -1;
	if (st->flags & FM_STRICT_ONCE)
	{
		/* see once_covers: pruning is exact only if no row matches two steps */
		for (i = 0; i < n && !r->literal; i++)
			r->literal = (ev[i].steps & (ev[i].steps - 1)) != 0;
	}

	for (i = 0; i < n; i = j)
	{
		int64		ts = ev[i].ts;
		uint32		any = 0;
		int			nomatch = -1;
		uint32		bits;

		if (!break_fed && ts >= st->break_ts)
		{
			break_fed = true;
			if (feed(r, st->break_ts, 0, 0))
				break;
		}
		if ((st->flags & FM_STRICT_ONCE) && !r->literal)
			once_sweep(r);

		for (j = i; j < n && ev[j].ts == ts; j++)
		{
			any |= ev[j].steps;
			if (ev[j].steps == 0 && nomatch < 0)
				nomatch = j;
		}
		if (nomatch >= 0 && feed(r, ts, 0, ev[nomatch].row))
			break;
		for (bits = any; bits != 0; bits &= bits - 1)
		{
			int			step = pg_rightmost_one_pos32(bits) + 1;
			uint32		bit = (uint32) 1 << (step - 1);
			int			k;

			for (k = i; k < j; k++)
			{
				if ((ev[k].steps & bit) && feed(r, ts, step, ev[k].row))
					goto done;
			}
		}
	}
	if (r->result < 0 && !break_fed)
		feed(r, st->break_ts, 0, 0);
done:
	result = r->result >= 0 ? r->result : highest_reached(r);
	if (cxt)
	{
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
	}
	if (ev != st->events)
		pfree(ev);
	return result;
}

Datum
jimo_window_funnel_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_INT32(0);
	PG_RETURN_INT32(funnel_level((FunnelState *) PG_GETARG_POINTER(0)));
}

/* ------------------------------------------------------------------------
 * Parallel aggregation
 * ------------------------------------------------------------------------
 */

static FunnelState *
funnel_copy(const FunnelState *src, MemoryContext cxt)
{
	FunnelState *st = MemoryContextAlloc(cxt, sizeof(FunnelState));

	*st = *src;
	st->events = NULL;
	st->maxevents = 0;
	if (src->nevents > 0)
	{
		st->maxevents = src->nevents;
		st->events = MemoryContextAlloc(cxt, src->nevents * sizeof(FunnelEvent));
		memcpy(st->events, src->events, src->nevents * sizeof(FunnelEvent));
	}
	if (src->mode_arg)
	{
		st->mode_arg = MemoryContextAlloc(cxt, src->mode_len + 1);
		memcpy(st->mode_arg, src->mode_arg, src->mode_len);
	}
	return st;
}

/*
 * Rows of state 2 come after those of state 1, as ClickHouse's merge numbers
 * them (unique_id + next_unique_id): that order only breaks ties between rows
 * of the same time and step under strict_once.
 */
Datum
jimo_window_funnel_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	FunnelState *st1;
	FunnelState *st2;
	int			i;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "jimo.window_funnel combine function called in non-aggregate context");
	st1 = PG_ARGISNULL(0) ? NULL : (FunnelState *) PG_GETARG_POINTER(0);
	st2 = PG_ARGISNULL(1) ? NULL : (FunnelState *) PG_GETARG_POINTER(1);
	if (st2 == NULL)
	{
		if (st1 == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(st1);
	}
	/* state 2 belongs to the caller: copy it into the aggregate context */
	if (st1 == NULL)
		PG_RETURN_POINTER(funnel_copy(st2, aggcxt));

	if (!st1->have_params)
	{
		st1->have_params = st2->have_params;
		st1->window = st2->window;
		st1->window_arg = st2->window_arg;
		st1->flags = st2->flags;
	}
	else if (st2->have_params &&
			 (st1->window != st2->window || st1->flags != st2->flags))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("jimo.window_funnel: the window and the mode must be the same in every row of a group")));
	if (st1->nsteps == 0)
		st1->nsteps = st2->nsteps;
	else if (st2->nsteps != 0 && st2->nsteps != st1->nsteps)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("jimo.window_funnel: every row of a group must have the same number of steps (%d, then %d)",
						st1->nsteps, st2->nsteps)));

	if (st2->have_first && (!st1->have_first || st2->first_ts < st1->first_ts))
	{
		st1->have_first = true;
		st1->first_ts = st2->first_ts;
	}
	if (st2->have_break && (!st1->have_break || st2->break_ts < st1->break_ts))
	{
		st1->have_break = true;
		st1->break_ts = st2->break_ts;
	}
	if ((uint64) st1->next_row + st2->next_row >= PG_UINT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("jimo.window_funnel: too many rows in one group")));
	for (i = 0; i < st2->nevents; i++)
	{
		FunnelEvent *e;

		if (st1->have_break && st2->events[i].ts >= st1->break_ts)
			continue;
		if (st1->nevents == st1->maxevents)
			funnel_make_room(st1, aggcxt);
		e = &st1->events[st1->nevents++];
		*e = st2->events[i];
		e->row += st1->next_row;
	}
	st1->next_row += st2->next_row;
	PG_RETURN_POINTER(st1);
}

/*
 * The state as bytes: this header, then nevents FunnelEvents.  Only ever read
 * back by a backend of the same server (a parallel worker's state going to
 * the leader), so everything travels in its native layout, in one palloc of
 * the exact size: one per group and worker.
 */
typedef struct FunnelWire
{
	int64		window;
	int64		first_ts;
	int64		break_ts;
	int32		flags;
	int32		nsteps;
	uint32		next_row;
	int32		nevents;
	bool		have_params;
	bool		have_first;
	bool		have_break;
} FunnelWire;

Datum
jimo_window_funnel_serialize(PG_FUNCTION_ARGS)
{
	FunnelState *st;
	FunnelWire	w;
	Size		evbytes;
	bytea	   *b;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "jimo.window_funnel serialize function called in non-aggregate context");
	st = (FunnelState *) PG_GETARG_POINTER(0);

	memset(&w, 0, sizeof(w));	/* no uninitialized padding in the bytes */
	w.window = st->window;
	w.first_ts = st->first_ts;
	w.break_ts = st->break_ts;
	w.flags = st->flags;
	w.nsteps = st->nsteps;
	w.next_row = st->next_row;
	w.nevents = st->nevents;
	w.have_params = st->have_params;
	w.have_first = st->have_first;
	w.have_break = st->have_break;

	evbytes = (Size) st->nevents * sizeof(FunnelEvent);
	b = palloc(VARHDRSZ + sizeof(FunnelWire) + evbytes);
	SET_VARSIZE(b, VARHDRSZ + sizeof(FunnelWire) + evbytes);
	memcpy(VARDATA(b), &w, sizeof(FunnelWire));
	if (evbytes > 0)
		memcpy(VARDATA(b) + sizeof(FunnelWire), st->events, evbytes);
	PG_RETURN_BYTEA_P(b);
}

Datum
jimo_window_funnel_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b;
	FunnelWire	w;
	FunnelState *st;
	Size		len;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "jimo.window_funnel deserialize function called in non-aggregate context");
	b = PG_GETARG_BYTEA_PP(0);
	len = VARSIZE_ANY_EXHDR(b);
	if (len < sizeof(FunnelWire))
		elog(ERROR, "jimo.window_funnel: corrupt serialized state");
	memcpy(&w, VARDATA_ANY(b), sizeof(FunnelWire));
	if (w.nevents < 0 || w.nevents > FUNNEL_MAX_EVENTS ||
		len != sizeof(FunnelWire) + (Size) w.nevents * sizeof(FunnelEvent))
		elog(ERROR, "jimo.window_funnel: corrupt serialized state");

	st = palloc0(sizeof(FunnelState));
	st->have_params = w.have_params;
	st->window = w.window;
	st->flags = w.flags;
	st->nsteps = w.nsteps;
	st->have_first = w.have_first;
	st->first_ts = w.first_ts;
	st->have_break = w.have_break;
	st->break_ts = w.break_ts;
	st->next_row = w.next_row;
	st->nevents = w.nevents;
	st->maxevents = w.nevents;
	if (w.nevents > 0)
	{
		st->events = palloc(w.nevents * sizeof(FunnelEvent));
		memcpy(st->events, VARDATA_ANY(b) + sizeof(FunnelWire),
			   w.nevents * sizeof(FunnelEvent));
	}
	PG_RETURN_POINTER(st);
}

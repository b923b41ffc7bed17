/*-------------------------------------------------------------------------
 *
 * main.c
 *	  jimo-report: the numbers of a jimo_webhooks database as one HTML page.
 *
 * Options, the output file, and the order of the sections.  The page is
 * written all or nothing: a file goes to a temporary name beside the
 * target and is renamed over it once complete, and stdout gets the page
 * from memory at the end, so a failure half way (the database going away,
 * a full disk) never leaves a truncated page where the last good one was.
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "html.h"
#include "report.h"
#include "sections.h"

#define DEFAULT_OUTPUT "jimo-report.html"

static void
usage(void)
{
	printf("jimo-report " JIMO_REPORT_VERSION ": the numbers of a jimo_webhooks database as one HTML page\n\n"
		   "Usage: jimo-report [OPTION]...\n\n"
		   "  --dsn CONNINFO       libpq connection string or URI (default: the PG* environment\n"
		   "                       variables); the role must be a member of jimo_reader\n"
		   "  --from DATE          first day of the period, YYYY-MM-DD (default: the first data)\n"
		   "  --to DATE            last day of the period, included (default: the last data)\n"
		   "  --project UUID       only this Jimo project, where a view says which (see below)\n"
		   "  -o, --output FILE    where to write the page (default " DEFAULT_OUTPUT "; - for stdout)\n"
		   "  --title TEXT         heading of the page (default \"Jimo report\")\n"
		   "  -h, --help           show this help and exit\n"
		   "  -V, --version        show the version and exit\n\n"
		   "The page is self-contained (no script, no fetch): tour and checklist funnels with\n"
		   "conversion and time to complete, survey NPS, ratings and choices with their trend,\n"
		   "reach per day and delivery health. It reads only the jimo.* views, in one read-only\n"
		   "snapshot.\n\n"
		   "What the filters narrow (each section of the page says it too):\n"
		   "  --from/--to  conversion by cohort (jimers whose first start is in the period),\n"
		   "               NPS and rating trends (weeks overlapping it), views per day, and\n"
		   "               deliveries per day of arrival. Views without a date are all time:\n"
		   "               funnels per tour and checklist, time to complete, NPS per step,\n"
		   "               ratings, choices, reach per experience.\n"
		   "  --project    conversion by cohort and time to complete (jimo.funnel_cohorts and\n"
		   "               jimo.time_to_complete carry project_uid); no other view has one.\n"
		   "Days are those of the session's TimeZone (set PGTZ to change it), except in the\n"
		   "views per day, which count UTC days: views per day, cohorts of first start and\n"
		   "deliveries per day of arrival (jimo.experience_reach_daily, jimo.funnel_cohorts,\n"
		   "jimo.delivery_health).\n\n"
		   "Exit status: 0 page written, 1 cannot write the output, 2 bad options,\n"
		   "3 cannot connect, 4 extension jimo_webhooks missing or too old, 5 the role may not\n"
		   "read the views (not a member of jimo_reader), 6 another database error.\n");
}

/* YYYY-MM-DD naming a real day (the server would say so too, less clearly). */
static bool
valid_date(const char *s)
{
	static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int			y,
				m,
				d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char) s[i]))
			return false;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > days[m - 1])
		return false;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	return true;
}

/* 8-4-4-4-12 hex digits, as Jimo sends uids and the views show them. */
static bool
valid_uuid(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++)
	{
		if (i == 8 || i == 13 || i == 18 || i == 23)
		{
			if (s[i] != '-')
				return false;
		}
		else if (!isxdigit((unsigned char) s[i]))
			return false;
	}
	return true;
}

static int
parse_options(Report *r, int argc, char **argv)
{
	enum
	{
		OPT_DSN = 256, OPT_FROM, OPT_TO, OPT_PROJECT, OPT_TITLE
	};
	static const struct option longopts[] = {
		{"dsn", required_argument, NULL, OPT_DSN},
		{"from", required_argument, NULL, OPT_FROM},
		{"to", required_argument, NULL, OPT_TO},
		{"project", required_argument, NULL, OPT_PROJECT},
		{"output", required_argument, NULL, 'o'},
		{"title", required_argument, NULL, OPT_TITLE},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0}
	};
	int			c;

	while ((c = getopt_long(argc, argv, "o:hV", longopts, NULL)) != -1)
	{
		switch (c)
		{
			case OPT_DSN:
				r->dsn = optarg;
				break;
			case OPT_FROM:
				r->from = optarg;
				break;
			case OPT_TO:
				r->to = optarg;
				break;
			case OPT_PROJECT:
				r->project = optarg;
				break;
			case 'o':
				r->output = optarg;
				break;
			case OPT_TITLE:
				r->title = optarg;
				break;
			case 'h':
				usage();
				exit(EXIT_REPORT_OK);
			case 'V':
				printf("jimo-report " JIMO_REPORT_VERSION "\n");
				exit(EXIT_REPORT_OK);
			default:
				/* getopt_long said what was wrong */
				fprintf(stderr, "Try \"jimo-report --help\".\n");
				return -1;
		}
	}
	if (optind < argc)
	{
		fprintf(stderr, "jimo-report: unexpected argument \"%s\" (see --help)\n", argv[optind]);
		return -1;
	}
	if (r->from && !valid_date(r->from))
	{
		fprintf(stderr, "jimo-report: --from must be a date as YYYY-MM-DD, got \"%s\"\n", r->from);
		return -1;
	}
	if (r->to && !valid_date(r->to))
	{
		fprintf(stderr, "jimo-report: --to must be a date as YYYY-MM-DD, got \"%s\"\n", r->to);
		return -1;
	}
	/* same fixed-width format: comparing the text compares the dates */
	if (r->from && r->to && strcmp(r->from, r->to) > 0)
	{
		fprintf(stderr, "jimo-report: --from %s is after --to %s\n", r->from, r->to);
		return -1;
	}
	if (r->project && !valid_uuid(r->project))
	{
		fprintf(stderr, "jimo-report: --project must be a project uid "
				"(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), got \"%s\"\n", r->project);
		return -1;
	}
	if (r->output == NULL)
		r->output = DEFAULT_OUTPUT;
	if (r->output[0] == '\0')
	{
		fprintf(stderr, "jimo-report: --output must name a file, or - for stdout\n");
		return -1;
	}
	return 0;
}

typedef struct Output
{
	char	   *tmp_path;		/* file output: the temporary file */
	char	   *mem;			/* stdout: the page in memory */
	size_t		mem_len;
} Output;

static int
output_open(Report *r, Output *o)
{
	int			fd;
	mode_t		mask;

	if (strcmp(r->output, "-") == 0)
	{
		r->out = open_memstream(&o->mem, &o->mem_len);
		if (r->out == NULL)
		{
			fprintf(stderr, "jimo-report: out of memory\n");
			return -1;
		}
		return 0;
	}
	o->tmp_path = malloc(strlen(r->output) + 16);
	if (o->tmp_path == NULL)
	{
		fprintf(stderr, "jimo-report: out of memory\n");
		return -1;
	}
	sprintf(o->tmp_path, "%s.tmp.XXXXXX", r->output);
	fd = mkstemp(o->tmp_path);
	if (fd < 0)
	{
		fprintf(stderr, "jimo-report: cannot write %s: %s\n", r->output, strerror(errno));
		free(o->tmp_path);
		o->tmp_path = NULL;
		return -1;
	}
	/* mkstemp makes it 0600; the page is as readable as any file we create */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) != 0 || (r->out = fdopen(fd, "w")) == NULL)
	{
		fprintf(stderr, "jimo-report: cannot write %s: %s\n", o->tmp_path, strerror(errno));
		close(fd);
		unlink(o->tmp_path);
		free(o->tmp_path);
		o->tmp_path = NULL;
		return -1;
	}
	return 0;
}

/* Put the page in place (ok) or throw it away; -1 if putting it failed. */
static int
output_close(Report *r, Output *o, bool ok)
{
	int			rc = 0;

	if (r->out == NULL)
		return 0;
	if (fflush(r->out) != 0 || ferror(r->out))
		r->write_failed = true;
	if (fclose(r->out) != 0)
		r->write_failed = true;
	r->out = NULL;
	if (o->tmp_path)
	{
		if (ok && r->write_failed)
		{
			fprintf(stderr, "jimo-report: cannot write %s: %s\n", o->tmp_path, strerror(errno));
			rc = -1;
		}
		else if (ok && rename(o->tmp_path, r->output) != 0)
		{
			fprintf(stderr, "jimo-report: cannot rename %s to %s: %s\n", o->tmp_path, r->output,
					strerror(errno));
			rc = -1;
		}
		if (!ok || rc != 0)
			unlink(o->tmp_path);
		free(o->tmp_path);
	}
	else
	{
		if (ok && r->write_failed)
		{
			fprintf(stderr, "jimo-report: out of memory\n");
			rc = -1;
		}
		else if (ok && (fwrite(o->mem, 1, o->mem_len, stdout) != o->mem_len || fflush(stdout) != 0))
		{
			fprintf(stderr, "jimo-report: cannot write to stdout: %s\n", strerror(errno));
			rc = -1;
		}
		free(o->mem);
	}
	return rc;
}

static int
write_page(Report *r)
{
	/* sections in page order; each prints its own error */
	int			(*const sections[]) (Report *) = {
		page_begin, section_tours, section_checklists, section_surveys,
		section_reach, section_delivery
	};

	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (sections[i] (r) != 0)
			return -1;
	page_end(r);
	return 0;
}

int
main(int argc, char **argv)
{
	Report		r = {0};
	Output		o = {0};
	bool		ok;

	if (parse_options(&r, argc, argv) != 0)
		return EXIT_REPORT_USAGE;
	if (output_open(&r, &o) != 0)
		return EXIT_REPORT_OUTPUT;

	ok = db_open(&r) == 0 && write_page(&r) == 0;
	db_close(&r);
	if (output_close(&r, &o, ok) != 0 && ok)
	{
		ok = false;
		r.status = EXIT_REPORT_OUTPUT;
	}
	if (!ok)
		return r.status ? r.status : EXIT_REPORT_QUERY;
	if (strcmp(r.output, "-") != 0)
		fprintf(stderr, "jimo-report: wrote %s\n", r.output);
	return EXIT_REPORT_OK;
}

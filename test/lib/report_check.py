#!/usr/bin/env python3
"""Helpers of test/integration/report.sh (jimo-report in a browser); standard library only.

  report_check.py events            hostile events (titles with markup, quotes, emoji,
                                    control characters, a 5000-character title) as JSONL
  report_check.py sql < JSONL       SELECT ... jimo.receive_batch(ARRAY[...]) for psql
  report_check.py png FILE W H      FILE is a PNG of W x H pixels with something drawn
  report_check.py empty DOM         the page of an empty database says so, section by section
  report_check.py check DOM [--title T] [--from D] [--to D] [--project UUID]
                                    every number the charts and tiles of DOM carry equals what
                                    the views return for the same filters (queried with psql,
                                    PG* environment), and every database string shows as stored

DOM is the page as the browser parsed it (chromium --dump-dom), so a string that broke
out of its element would show here as a different tree. Prints TAP lines ("ok - ...",
"not ok - ..."), no plan; the exit status is 1 if anything failed.
"""

import html.parser
import json
import struct
import subprocess
import sys
import zlib

FAILED = 0

HOSTILE_TOUR = "<script>alert(\"x\")</script> & 'quotes' \u2014 \u00dcn\u00efc\u00f8d\u00e9 \U0001F389 </svg><b>bold</b>"
BELL_TOUR = "Bell\u0007tour\ttab"
LONG_TOUR = "Long title " * 500
HOSTILE_BANNER = "Banner \"&amp;\" <img src=x onerror=alert(1)> \u2713"
HOSTILE_SURVEY = "Survey <NPS> & \"friends\" \U0001F600"
HOSTILE_STEP = "How likely\u2026 <0-10> & why?"
HOSTILE_CHOICE = "<i>Option</i> & \"more\" \U0001F600"


def ok(cond, desc, diag=None):
    global FAILED
    if cond:
        print("ok - %s" % desc)
    else:
        FAILED += 1
        print("not ok - %s" % desc)
        if diag:
            for line in str(diag).splitlines()[:40]:
                print("#   %s" % line)
    return cond


def is_(got, want, desc):
    return ok(got == want, desc, "got:  %r\nwant: %r" % (got, want))


# ---- events ------------------------------------------------------------------------

def uid(n):
    return "00000000-0000-4000-8000-%012d" % n


def hostile_events():
    t0 = 1739180000000  # 2025-02-10, inside the generated month
    ev = []

    def add(name, t, exp, jimer, **extra):
        body = {"event": name, "version": "0", "time": t, "experience": exp,
                "jimer": {"uid": uid(900000 + jimer)}}
        body.update(extra)
        ev.append(json.dumps(body, ensure_ascii=False))

    tour = {"uid": uid(1), "type": "TOUR", "title": HOSTILE_TOUR, "state": "LIVE"}
    bell = {"uid": uid(2), "type": "TOUR", "title": BELL_TOUR, "state": "PAUSED"}
    long_ = {"uid": uid(3), "type": "TOUR", "title": LONG_TOUR}
    for j in range(3):  # 3 start, 2 complete: 66.67 %
        add("tour.started", t0 + j * 1000, tour, j)
        if j < 2:
            add("tour.completed", t0 + j * 1000 + 300000, tour, j)
    add("tour.started", t0, bell, 1)
    add("tour.started", t0, long_, 2)
    add("tour.completed", t0 + 86400000 * 2, long_, 2)
    banner = {"uid": uid(4), "type": "BANNER", "title": HOSTILE_BANNER}
    for j in range(4):
        add("banner.seen", t0 + j * 3600000, banner, j)
    survey = {"uid": uid(5), "type": "SURVEY", "title": HOSTILE_SURVEY}
    nps_step = {"uid": "step-nps-" + uid(6), "title": HOSTILE_STEP, "type": "NPS", "position": 1}
    choice_step = {"uid": "step-choice-" + uid(7), "title": HOSTILE_STEP + " (choice)",
                   "type": "MULTIPLE_CHOICE", "position": 2}
    for j, score in enumerate((10, 9, 3, 7)):
        add("survey.started", t0 + j * 1000, survey, j)
        add("survey.step.answered", t0 + j * 1000 + 10000, survey, j, step=nps_step, answer=score)
        add("survey.step.answered", t0 + j * 1000 + 20000, survey, j, step=choice_step,
            answer=[HOSTILE_CHOICE, "Other"] if j % 2 == 0 else [HOSTILE_CHOICE])
    return ev


def sql_of(lines):
    def lit(s):
        return "'" + s.replace("'", "''") + "'"
    return ("SELECT count(*) FILTER (WHERE status <> 'rejected') AS accepted, count(*) AS bodies"
            " FROM jimo.receive_batch(ARRAY[\n" + ",\n".join(lit(l) for l in lines) + "\n]::text[]);\n")


# ---- PNG ---------------------------------------------------------------------------

def png_check(path, width, height):
    data = open(path, "rb").read()
    if not ok(data[:8] == b"\x89PNG\r\n\x1a\n", "%s is a PNG" % path):
        return
    w, h = struct.unpack(">II", data[16:24])
    is_((w, h), (width, height), "the screenshot is %dx%d" % (width, height))
    # Something was drawn: a blank page compresses to almost nothing, and its pixel rows
    # (after zlib, before PNG's per-row filters) repeat one value.
    idat = b"".join(data[i + 8:i + 8 + struct.unpack(">I", data[i:i + 4])[0]]
                    for i in chunk_offsets(data, b"IDAT"))
    raw = zlib.decompress(idat)
    ok(len(set(raw[: len(raw) // 2])) > 16 and len(data) > 30000,
       "the screenshot is not blank (%d bytes, %d distinct byte values)"
       % (len(data), len(set(raw[: len(raw) // 2]))))


def chunk_offsets(data, kind):
    i = 8
    while i + 8 <= len(data):
        n = struct.unpack(">I", data[i:i + 4])[0]
        if data[i + 4:i + 8] == kind:
            yield i
        i += 12 + n


# ---- the DOM -----------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.walk()

    def find_all(self, tag=None, **attrs):
        for n in self.walk():
            if (tag is None or n.tag == tag) and all(
                    (n.attrs.get(k.replace("_", "-")) == v) if v is not True
                    else (k.replace("_", "-") in n.attrs) for k, v in attrs.items()):
                yield n

    def find(self, tag=None, **attrs):
        return next(self.find_all(tag, **attrs), None)

    def has_class(self, c):
        return c in (self.attrs.get("class") or "").split()


class Builder(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse(path):
    b = Builder()
    b.feed(open(path, encoding="utf-8").read())
    b.close()
    return b.root


# ---- what the page shows of a database string (src/report/html.c) -------------------

def shown(s, max_chars=None):
    """The text a reader sees: controls (not tab/newline/CR) become U+FFFD, cut to
    max_chars characters with an ellipsis."""
    s = "".join("\ufffd" if (ord(ch) < 0x20 and ch not in "\t\n\r") or ord(ch) == 0x7f
                else ch for ch in s)
    if max_chars is not None and len(s) > max_chars:
        s = s[:max_chars] + "\u2026"
    return s


def signed(v):
    v = float(v)
    return "0.0" if v == 0 else "%+.1f" % v


# ---- SQL ---------------------------------------------------------------------------

def q(sql, params=()):
    """Rows of a query as dicts, all values as text (as libpq gives them), via psql."""
    for i, p in enumerate(params, 1):
        sql = sql.replace("$%d" % i, "NULL" if p is None else "'" + p.replace("'", "''") + "'")
    wrapped = "SELECT coalesce(json_agg(row_to_json(t)), '[]') FROM (%s) t" % sql
    out = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", wrapped],
                         check=True, capture_output=True, text=True).stdout
    rows = json.loads(out)
    return [{k: (None if v is None else v if isinstance(v, str) else json.dumps(v))
             for k, v in r.items()} for r in rows]


def num(s):
    """A number as JSON gives it, as text comparable with the page's attributes."""
    return s


# ---- the checks ----------------------------------------------------------------------

def chart(root, name):
    return root.find("svg", data_chart=name)


def rows_of(svg):
    return [g for g in svg.find_all("g") if g.has_class("row")] if svg else []


def row_parts(g):
    lbl = next((t for t in g.find_all("text") if t.has_class("lbl")), None)
    v = next((t for t in g.find_all("tspan") if t.has_class("v")), None)
    title = g.find("title")
    return (lbl.text() if lbl else None, v.text() if v else None, title.text() if title else None)


def tile(root, metric):
    t = root.find("div", data_metric=metric)
    return t.attrs.get("data-value") if t else None


def check_page_safety(root, title):
    ok(not list(root.find_all("script")), "no <script> element anywhere")
    ok(not list(root.find_all("iframe")) and not list(root.find_all("img")),
       "no <img> or <iframe>: nothing is fetched")
    refs = [(n.tag, k, v) for n in root.walk() for k, v in n.attrs.items()
            if k in ("src", "href", "xlink:href", "action", "srcset") and v is not None
            and not (v.startswith("#") or v.startswith("data:"))]
    is_(refs, [], "no reference outside the page (href only #... or data:)")
    csp = [m for m in root.find_all("meta") if (m.attrs.get("http-equiv") or "").lower()
           == "content-security-policy"]
    ok(csp and "default-src 'none'" in csp[0].attrs.get("content", ""),
       "a Content-Security-Policy forbids every fetch")
    handlers = [(n.tag, k) for n in root.walk() for k in n.attrs if k.startswith("on")]
    is_(handlers, [], "no on* attribute anywhere")
    if title is not None:
        is_(root.find("title").text(), title, "<title> shows the --title as given")
        is_(root.find("h1").text(), title, "<h1> shows the --title as given")


def check_funnel(root, kind, view, rate_col, args):
    rows = q("SELECT experience_uid::text AS uid, title, started_jimers::text AS started,"
             " completed_jimers::text AS completed, %s::text AS rate,"
             " round(%s * 100, 1)::text AS pct FROM %s"
             " ORDER BY started_jimers DESC, title, experience_uid" % (rate_col, rate_col, view))
    svg = chart(root, kind + "-funnel")
    ok(svg is not None, "%s: the funnel chart is there" % kind)
    got = {g.attrs.get("data-uid"): g for g in rows_of(svg)}
    is_(len(got), min(25, len(rows)), "%s: one bar per %s (at most 25)" % (kind, view))
    bad = []
    for r in rows[:25]:
        g = got.get(r["uid"])
        if g is None:
            bad.append(("missing", r["uid"]))
            continue
        label, value, tip = row_parts(g)
        want_value = "%s %%" % r["pct"] if r["pct"] is not None else "no starts yet"
        for what, a, b in (("data-started", g.attrs.get("data-started"), r["started"]),
                           ("data-completed", g.attrs.get("data-completed"), r["completed"]),
                           ("data-rate", g.attrs.get("data-rate"), r["rate"]),
                           ("shown rate", value, want_value),
                           ("label", label, shown(r["title"] or "(no title)", 34)),
                           ("tooltip", (tip or "")[:len(shown(r["title"] or "(no title)", 300))],
                            shown(r["title"] or "(no title)", 300))):
            if a != b:
                bad.append((r["uid"], what, a, b))
    is_(bad, [], "%s: every bar's rate, counts, label and tooltip match %s" % (kind, view))
    table = root.find("table", data_table=kind)
    trs = {tr.attrs["data-uid"]: tr for tr in table.find_all("tr", data_uid=True)} if table else {}
    bad = []
    for r in rows[:200]:
        tr = trs.get(r["uid"])
        cells = [td for td in tr.find_all("td")] if tr else []
        want = shown(r["title"], 120) if r["title"] is not None else "(no title)"
        if not cells or not cells[0].text().startswith(want):
            bad.append((r["uid"], cells[0].text() if cells else None, want))
        elif r["pct"] is not None and ("%s %%" % r["pct"]) not in [c.text() for c in cells]:
            bad.append((r["uid"], "rate cell", r["pct"]))
    is_(bad, [], "%s: the table has every %s row with its title as stored" % (kind, view))
    return rows


def check_cohorts(root, kind, type_, args):
    svg = chart(root, kind + "-cohorts")
    h3 = [h.text() for h in root.find_all("h3") if "of first start" in h.text()]
    sums = q("SELECT coalesce(sum(started_jimers), 0)::text AS s FROM jimo.funnel_cohorts"
             " WHERE grain = 'day' AND type = '%s'"
             " AND ($1::date IS NULL OR cohort_start >= $1::date)"
             " AND ($2::date IS NULL OR cohort_start < $2::date + 1)"
             " AND ($3::uuid IS NULL OR project_uid = $3::uuid)" % type_, args)
    want = int(sums[0]["s"])
    if want == 0:
        ok(svg is None, "%s: no cohort chart when no jimer started" % kind)
        return
    cols = list(svg.find_all("g", data_total=True)) if svg else []
    is_(sum(float(c.attrs["data-total"]) for c in cols), float(want),
        "%s: the cohort columns add up to the started jimers of jimo.funnel_cohorts" % kind)
    grain = "day"
    for g in ("day", "week", "month"):
        if any(("by %s of first start" % g) in t for t in h3):
            grain = g
    per = q("SELECT date_trunc('%s', cohort_start::date::timestamp)::date::text AS k,"
            " round(100.0 * sum(completed_jimers) / nullif(sum(started_jimers), 0), 1)::text AS pct"
            " FROM jimo.funnel_cohorts WHERE grain = 'day' AND type = '%s'"
            " AND ($1::date IS NULL OR cohort_start >= $1::date)"
            " AND ($2::date IS NULL OR cohort_start < $2::date + 1)"
            " AND ($3::uuid IS NULL OR project_uid = $3::uuid) GROUP BY 1" % (grain, type_), args)
    got = {c.attrs["data-key"]: c.attrs.get("data-line") for c in cols
           if float(c.attrs["data-total"]) > 0}
    want_lines = {r["k"]: ("%.10g" % float(r["pct"])) for r in per if r["pct"] is not None}
    is_(got, want_lines, "%s: each cohort's conversion line is the views' (by %s)" % (kind, grain))


def check_time(root, kind, type_, args):
    svg = chart(root, kind + "-time")
    rows = q("SELECT bucket_index::text AS k, sum(completed_jimers)::text AS n"
             " FROM jimo.time_to_complete WHERE type = '%s'"
             " AND ($3::uuid IS NULL OR project_uid = $3::uuid)"
             " GROUP BY bucket_index ORDER BY bucket_index" % type_, args)
    want = {r["k"]: "%.10g" % float(r["n"]) for r in rows}
    got = {c.attrs["data-key"]: c.attrs["data-total"]
           for c in (svg.find_all("g", data_total=True) if svg else [])}
    if sum(float(v) for v in want.values()) == 0:
        ok(svg is None, "%s: no time-to-complete chart without completions" % kind)
    else:
        is_(got, want, "%s: jimers per time-to-complete bucket match jimo.time_to_complete" % kind)


def check_surveys(root, args):
    total = q("SELECT round(100.0 * (sum(promoters) - sum(detractors)) / nullif(sum(responses), 0), 1)::text AS nps,"
              " coalesce(sum(responses), 0)::text AS n FROM jimo.survey_nps")[0]
    is_(tile(root, "nps"), total["nps"], "surveys: the NPS tile is the NPS of jimo.survey_nps' answers")
    is_(tile(root, "nps-responses"), total["n"], "surveys: the NPS answers tile")
    rows = q("SELECT experience_uid::text AS uid, step_uid, title, step_title, nps::text AS nps,"
             " responses::text AS n, promoters::text AS p, detractors::text AS d FROM jimo.survey_nps"
             " ORDER BY responses DESC, title, step_title, step_uid")
    got = {(g.attrs.get("data-uid"), g.attrs.get("data-step")): g for g in rows_of(chart(root, "nps"))}
    is_(len(got), min(20, len(rows)), "surveys: one NPS bar per jimo.survey_nps row (at most 20)")
    bad = []
    for r in rows[:20]:
        g = got.get((r["uid"], r["step_uid"]))
        if g is None:
            bad.append(("missing", r["uid"], r["step_uid"]))
            continue
        label, value, tip = row_parts(g)
        want_label = shown(r["title"] or "(no title)", 34)
        sub = next((t.text() for t in g.find_all("text") if t.has_class("sublbl")), None)
        want_sub = shown(r["step_title"], 40) if r["step_title"] is not None else None
        for what, a, b in (("data-nps", g.attrs.get("data-nps"), r["nps"]),
                           ("step label", sub, want_sub),
                           ("data-responses", g.attrs.get("data-responses"), r["n"]),
                           ("data-promoters", g.attrs.get("data-promoters"), r["p"]),
                           ("data-detractors", g.attrs.get("data-detractors"), r["d"]),
                           ("shown NPS", value, signed(r["nps"])),
                           ("label", label, want_label)):
            if a != b:
                bad.append((r["uid"], r["step_uid"], what, a, b))
    is_(bad, [], "surveys: every NPS bar's score, counts and label match jimo.survey_nps")

    trend = q("SELECT coalesce(sum(responses), 0)::text AS n FROM jimo.survey_nps_trend"
              " WHERE grain = 'week' AND ($1::date IS NULL OR period_start >= date_trunc('week', $1::date::timestamp))"
              " AND ($2::date IS NULL OR period_start < $2::date + 1)", args)[0]["n"]
    svg = chart(root, "nps-trend")
    got = sum(float(c.attrs["data-total"]) for c in svg.find_all("g", data_total=True)) if svg else 0.0
    is_(got, float(trend), "surveys: the NPS trend's columns add up to jimo.survey_nps_trend's answers")

    ratings = q("SELECT experience_uid::text AS uid, step_uid, mean::text AS mean FROM jimo.survey_ratings"
                " ORDER BY responses DESC, title, step_title, step_uid LIMIT 30")
    table = root.find("table", data_table="ratings")
    got = {(tr.attrs["data-uid"], tr.attrs["data-step"]): tr.attrs.get("data-mean")
           for tr in (table.find_all("tr", data_step=True) if table else [])}
    is_(got, {(r["uid"], r["step_uid"]): r["mean"] for r in ratings},
        "surveys: the ratings table's means are jimo.survey_ratings'")

    choices = q("SELECT experience_uid::text AS uid, step_uid, choice, share_of_respondents::text AS share"
                " FROM jimo.survey_choices")
    want = {(r["uid"], r["step_uid"], r["choice"]): r["share"] for r in choices}
    bad, seen = [], 0
    for svg in root.find_all("svg", data_chart="choices"):
        for g in rows_of(svg):
            label, value, tip = row_parts(g)
            key = (g.attrs.get("data-uid"), g.attrs.get("data-step"))
            match = [k for k in want if k[:2] == key and shown(k[2], 22) == label
                     and (tip or "").startswith(shown(k[2], 300))]
            seen += 1
            if len(match) != 1 or want[match[0]] != g.attrs.get("data-share"):
                bad.append((key, label, g.attrs.get("data-share"), match))
    ok(seen > 0 or not choices, "surveys: choice charts are there when jimo.survey_choices has rows")
    is_(bad, [], "surveys: every choice bar's option and share match jimo.survey_choices")


def check_reach(root, args):
    views = q("SELECT coalesce(sum(views), 0)::text AS v FROM jimo.experience_reach_daily"
              " WHERE ($1::date IS NULL OR day >= $1::date) AND ($2::date IS NULL OR day <= $2::date)",
              args)[0]["v"]
    if views == "0":
        ok(tile(root, "views") is None, "reach: no views tile without views")
    else:
        is_(tile(root, "views"), views, "reach: the views tile is the sum of jimo.experience_reach_daily")
        svg = chart(root, "reach-daily")
        is_(sum(float(c.attrs["data-total"]) for c in svg.find_all("g", data_total=True)),
            float(views), "reach: the per-day columns add up to the same views")
    rows = q("SELECT experience_uid::text AS uid, title, unique_jimers::text AS j, views::text AS v"
             " FROM jimo.experience_reach ORDER BY unique_jimers DESC, views DESC, title, experience_uid")
    got = {g.attrs.get("data-uid"): g for g in rows_of(chart(root, "reach"))}
    bad = []
    for r in rows[:25]:
        g = got.get(r["uid"])
        if g is None or g.attrs.get("data-jimers") != r["j"] or g.attrs.get("data-views") != r["v"] \
                or row_parts(g)[0] != shown(r["title"] or "(no title)", 34):
            bad.append((r, g.attrs if g else None, row_parts(g) if g else None))
    is_(bad, [], "reach: every bar's jimers, views and label match jimo.experience_reach")


def check_delivery(root, args):
    t = q("SELECT coalesce(sum(stored), 0)::text AS stored,"
          " coalesce(sum(duplicate_deliveries), 0)::text AS duplicate_deliveries,"
          " coalesce(sum(rejected), 0)::text AS rejected, coalesce(sum(deliveries), 0)::text AS deliveries"
          " FROM jimo.delivery_health WHERE ($1::date IS NULL OR day >= $1::date)"
          " AND ($2::date IS NULL OR day <= $2::date)", args)[0]
    if t["deliveries"] == "0":
        ok(tile(root, "stored") is None, "delivery: no totals when nothing arrived in the period")
        return
    for k in ("stored", "duplicate_deliveries", "rejected", "deliveries"):
        is_(tile(root, k), t[k], "delivery: the %s tile is the sum of jimo.delivery_health" % k)
    svg = chart(root, "delivery-daily")
    is_(sum(float(c.attrs["data-total"]) for c in svg.find_all("g", data_total=True)) if svg else None,
        float(t["deliveries"]), "delivery: the per-day columns add up to the deliveries")


def check(path, title, frm, to, project):
    root = parse(path)
    args = (frm, to, project)
    check_page_safety(root, title)
    period = root.find("b", data_filter="period")
    is_(period.text() if period else None,
        ("%s \u2013 %s" % (frm or "the beginning", to or "today")) if (frm or to) else "all data",
        "the header states the period")
    proj = root.find("b", data_filter="project")
    is_(proj.text() if proj else None, project or "all projects", "the header states the project")
    check_funnel(root, "tours", "jimo.tour_funnel", "conversion_rate", args)
    check_cohorts(root, "tours", "TOUR", args)
    check_time(root, "tours", "TOUR", args)
    check_funnel(root, "checklists", "jimo.checklist_funnel", "completion_rate", args)
    check_cohorts(root, "checklists", "CHECKLIST", args)
    check_time(root, "checklists", "CHECKLIST", args)
    check_surveys(root, args)
    check_reach(root, args)
    check_delivery(root, args)


def check_empty(path):
    root = parse(path)
    check_page_safety(root, None)
    texts = [p.text() for p in root.find_all("p") if p.has_class("empty")]
    for want in ("No tours yet.", "No checklists yet.", "No NPS answers yet.",
                 "No rating answers yet.", "No choice answers yet.", "No hints or banners yet.",
                 "No deliveries yet."):
        ok(want in texts, "empty database: the page says \"%s\"" % want)
    is_(list(root.find_all("svg")), [], "empty database: no chart is drawn")
    ids = [s.attrs.get("id") for s in root.find_all("section")]
    is_(ids, ["tours", "checklists", "surveys", "reach", "delivery"], "empty database: every section is there")


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "events":
        print("\n".join(hostile_events()))
        return 0
    if cmd == "sql":
        sys.stdout.write(sql_of([l.rstrip("\n") for l in sys.stdin if l.strip()]))
        return 0
    if cmd == "png":
        png_check(argv[2], int(argv[3]), int(argv[4]))
    elif cmd == "empty":
        check_empty(argv[2])
    elif cmd == "check":
        opts = {"--title": None, "--from": None, "--to": None, "--project": None}
        rest = argv[3:]
        while rest:
            opts[rest[0]] = rest[1]
            rest = rest[2:]
        check(argv[2], opts["--title"], opts["--from"], opts["--to"], opts["--project"])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

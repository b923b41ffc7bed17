#!/usr/bin/env bash
# jimo-report, end to end and in a real browser.
#
#   1. Failures say what is wrong, with their own exit status: bad options (2), no server
#      (3), a database without the extension (4), a role outside jimo_reader (5).
#   2. An empty database gives a page that says so in every section, and draws nothing.
#   3. 3000 generated events (python3 test/bench/gen_events.py --project --tags, some
#      redeliveries) plus hostile ones (titles and choices with <script>, quotes, &,
#      emoji, a control character, a 5000-character title) and two bad bodies go
#      through jimo.receive_batch; arrival times are then spread over the month (they
#      are all "now" otherwise, one day of delivery health). A login role in jimo_reader
#      runs jimo-report: the whole page, and one narrowed by --from/--to/--project.
#   4. Headless Chromium renders each page to a PNG (1280x4000) and dumps its DOM.
#      Console: chromium runs with --enable-logging=stderr --v=0, which writes every
#      console message of the page (console API calls, uncaught errors, Content-Security-
#      Policy violations) to stderr as an "INFO:CONSOLE..." line; the page has no script
#      and a CSP that forbids every fetch, so any such line is a fault. Because the format
#      of that log is Chromium's and could change, a control page (the same report with an
#      external image and stylesheet added) must produce such lines, or the test fails:
#      a silent detector cannot pass.
#   5. test/lib/report_check.py reads the DOM as the browser built it (so markup that
#      escaped its element would show) and compares every chart's data-* attributes,
#      visible labels and values, tiles and tables with the same numbers queried from the
#      views: per-tour and per-checklist conversion, cohorts, time to complete, NPS per
#      step and overall, NPS trend, ratings, choices, reach, delivery totals.
#
# Needs PGHOST/PGPORT/PGUSER/PGDATABASE of a fresh database with jimo_webhooks (test/run
# gives one), a superuser PGUSER (it creates two roles and a database, dropped at the end)
# and chromium (test/lib/deps.sh installs it). TAP output.
# JIMO_REPORT_KEEP=DIR keeps the pages, PNGs and chromium logs there; JIMO_REPORT_BIN=FILE
# tests another jimo-report binary.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root" || exit 1

work="$(mktemp -d "${TMPDIR:-/tmp}/jimo-report-test.XXXX")"
reader="jimo_report_reader_$$"
outsider="jimo_report_outsider_$$"
noext_db="${PGDATABASE}_noext"
check_py="$root/test/lib/report_check.py"
tests=0
failed=0
psql_() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

# shellcheck disable=SC2317 # called through the trap
cleanup() {
    if [[ -n "${JIMO_REPORT_KEEP:-}" ]]; then
        mkdir -p "$JIMO_REPORT_KEEP" && cp "$work"/*.html "$work"/*.png "$work"/*.log "$JIMO_REPORT_KEEP"/ 2>/dev/null
    fi
    PGOPTIONS="-c client_min_messages=warning" psql_ -d postgres \
        -c "DROP DATABASE IF EXISTS \"$noext_db\" WITH (FORCE)" \
        -c "DROP ROLE IF EXISTS \"$reader\"" -c "DROP ROLE IF EXISTS \"$outsider\"" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

ok() { # STATUS DESC
    tests=$((tests + 1))
    if [[ "$1" == 0 ]]; then
        echo "ok $tests - $2"
    else
        failed=$((failed + 1))
        echo "not ok $tests - $2"
    fi
}
is() { # GOT WANT DESC
    tests=$((tests + 1))
    if [[ "$1" == "$2" ]]; then
        echo "ok $tests - $3"
    else
        failed=$((failed + 1))
        echo "not ok $tests - $3"
        echo "#   got:  $1"
        echo "#   want: $2"
    fi
}
# The Python checks print unnumbered TAP lines; count them in.
pycheck() { # ARGS... (of report_check.py)
    local out status
    out="$(python3 "$check_py" "$@")"
    status=$?
    printf '%s\n' "$out"
    tests=$((tests + $(grep -c -E '^(ok|not ok) ' <<<"$out")))
    failed=$((failed + $(grep -c -E '^not ok ' <<<"$out")))
    if ((status != 0)) && ! grep -q -E '^not ok ' <<<"$out"; then
        failed=$((failed + 1)) # it failed without saying why: count that too
        echo "not ok - report_check.py $1 exited with $status"
    fi
}

# The one just built (test/run builds, then installs the same), else the installed one;
# JIMO_REPORT_BIN names another (e.g. a build with a fault put in, to see this test fail).
report="${JIMO_REPORT_BIN:-$root/src/report/jimo-report}"
[[ -x "$report" ]] || report="$("${PG_CONFIG:-pg_config}" --bindir)/jimo-report"
if [[ ! -x "$report" ]] || ! command -v chromium >/dev/null; then
    echo "Bail out! needs jimo-report (make) and chromium (bash test/lib/deps.sh)"
    exit 1
fi
echo "# $report, $(chromium --version 2>/dev/null | head -n 1)"

# One chromium run: a fresh profile each time (a profile is a lock, and state).
# The flags keep it off the network and working as root in a container.
chrome() {
    local profile
    profile="$(mktemp -d "$work/profile.XXXX")"
    timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-extensions --hide-scrollbars --user-data-dir="$profile" "$@"
    local status=$?
    rm -rf "$profile"
    return "$status"
}
# Screenshot PAGE into PNG, console messages into LOG.
render() { # PAGE PNG LOG
    chrome --enable-logging=stderr --v=0 --window-size=1280,4000 --screenshot="$2" \
        "file://$1" >/dev/null 2>"$3"
}
console_lines() { grep -E ':CONSOLE[:(][0-9]*' "$1"; }
dump_dom() { # PAGE OUT
    chrome --dump-dom "file://$1" >"$2" 2>/dev/null
}

run_report() { # ROLE ARGS... (status in $rstatus, stderr in $work/err)
    rstatus=0
    PGUSER="$1" "$report" "${@:2}" 2>"$work/err" || rstatus=$?
}

# --- 1. failures ------------------------------------------------------------------------
psql_ -d postgres -c "CREATE ROLE \"$reader\" LOGIN IN ROLE jimo_reader" \
    -c "CREATE ROLE \"$outsider\" LOGIN" -c "CREATE DATABASE \"$noext_db\""
ok $? "roles $reader (in jimo_reader) and $outsider, database $noext_db (no extension)"

run_report "$reader" --from 2025-02-30 -o "$work/x.html"
is "$rstatus" 2 "an impossible date: exit status 2"
run_report "$reader" --project not-a-uuid -o "$work/x.html"
is "$rstatus" 2 "a project that is not a uid: exit status 2"
run_report "$reader" --dsn "host=$work/nowhere dbname=$PGDATABASE" -o "$work/x.html"
is "$rstatus" 3 "no server: exit status 3"
grep -q "cannot connect to the database" "$work/err"
ok $? "no server: says it cannot connect"
PGDATABASE="$noext_db" run_report "$reader" -o "$work/x.html"
is "$rstatus" 4 "no extension: exit status 4"
grep -q "extension jimo_webhooks is not installed in database \"$noext_db\"" "$work/err"
ok $? "no extension: says so, naming the database"
run_report "$outsider" -o "$work/x.html"
is "$rstatus" 5 "a role outside jimo_reader: exit status 5"
grep -q "\"$outsider\" is not a member of jimo_reader" "$work/err"
ok $? "a role outside jimo_reader: says so, naming the role"
[[ ! -e "$work/x.html" ]] && ! compgen -G "$work/x.html.tmp.*" >/dev/null
ok $? "no page and no temporary file are left after a failure"

# --- 2. the empty database --------------------------------------------------------------
run_report "$reader" -o "$work/empty.html"
is "$rstatus" 0 "empty database: exit status 0"
render "$work/empty.html" "$work/empty.png" "$work/empty-chromium.log"
ok $? "empty database: chromium rendered the page"
is "$(console_lines "$work/empty-chromium.log" | head -n 5)" "" "empty database: no console message"
dump_dom "$work/empty.html" "$work/empty-dom.html"
ok $? "empty database: chromium dumped the DOM"
pycheck empty "$work/empty-dom.html"

# --- 3. events, and the reports ---------------------------------------------------------
{
    python3 test/bench/gen_events.py --events 3000 --seed 5 --project --tags \
        --duplicates 0.03 --shuffle late
    python3 "$check_py" events
} >"$work/events.jsonl"
# Two bodies that are rejected, for the delivery totals.
printf '%s\n' '{"event":"tour.started","time":"yesterday"}' 'not json at all' >>"$work/events.jsonl"
python3 "$check_py" sql <"$work/events.jsonl" >"$work/ingest.sql"
bodies="$(grep -c . "$work/events.jsonl")"
is "$(psql_ -F ' ' -f "$work/ingest.sql")" "$((bodies - 2)) $bodies" \
    "jimo.receive_batch took all $bodies bodies but the 2 bad ones"
# Everything arrived just now, on one day; a live webhook's arrivals follow the events.
# Spread them over the month (0-2 h after the event, redeliveries 3 h later), so that
# delivery health has many days and a period that cuts them.
psql_ -c "UPDATE jimo.events
             SET received_at = occurred_at + (id % 120) * interval '1 minute',
                 last_received_at = occurred_at + (id % 120) * interval '1 minute'
                                    + CASE WHEN deliveries > 1 THEN interval '3 hours' ELSE interval '0' END"
ok $? "arrival times spread over the month of the events"

title=$'Q1 <report> & "numbers" \xe2\x80\x94 d\xc3\xa9j\xc3\xa0 vu \xf0\x9f\x93\x88'
start=$SECONDS
run_report "$reader" --title "$title" -o "$work/report.html"
is "$rstatus" 0 "jimo-report as $reader: exit status 0 ($((SECONDS - start)) s)"
[[ -s "$work/err" ]] && sed 's/^/#   /' "$work/err"

project="$(psql_ -c "SELECT project_uid FROM jimo.funnel_cohorts WHERE project_uid IS NOT NULL LIMIT 1")"
narrow=(--from 2025-02-05 --to 2025-02-20 --project "$project")
run_report "$reader" "${narrow[@]}" -o "$work/narrow.html"
is "$rstatus" 0 "jimo-report --from --to --project: exit status 0"

run_report "$reader" -o - >"$work/stdout.html"
is "$rstatus" 0 "jimo-report -o -: exit status 0"
run_report "$reader" -o "$work/again.html"
# (the header's time of generation may differ by a minute)
cmp -s <(sed '/generated/d' "$work/stdout.html") <(sed '/generated/d' "$work/again.html")
ok $? "-o - writes the same page as a file"

# --- 4. the browser -----------------------------------------------------------------------
for page in report narrow; do
    render "$work/$page.html" "$work/$page.png" "$work/$page-chromium.log"
    ok $? "$page: chromium rendered the page"
    is "$(console_lines "$work/$page-chromium.log" | head -n 5)" "" "$page: no console message"
    pycheck png "$work/$page.png" 1280 4000
    dump_dom "$work/$page.html" "$work/$page-dom.html"
    ok $? "$page: chromium dumped the DOM"
done

# The control: the same page with an external image and stylesheet must be reported.
sed 's#</main>#<img src="https://example.invalid/x.png"><link rel="stylesheet" href="x.css"></main>#' \
    "$work/report.html" >"$work/control.html"
render "$work/control.html" "$work/control.png" "$work/control-chromium.log"
[[ "$(console_lines "$work/control-chromium.log" | grep -c 'Content Security Policy')" -ge 2 ]]
ok $? "control: chromium's log shows both blocked fetches as console messages (the detector works)"

# --- 5. the numbers -----------------------------------------------------------------------
echo "# the whole report"
pycheck check "$work/report-dom.html" --title "$title"
echo "# narrowed: ${narrow[*]}"
pycheck check "$work/narrow-dom.html" --from 2025-02-05 --to 2025-02-20 --project "$project"

# The raw file and the browser's DOM hold the same charts: the browser parsed the page as
# written (an unescaped < or & in a title would have moved or cut elements).
is "$(grep -o '<g class="row"' "$work/report.html" | wc -l)" \
    "$(grep -o '<g class="row"' "$work/report-dom.html" | wc -l)" \
    "the browser's DOM has as many bar rows as the file"

echo "1..$tests"
((failed == 0))

#!/usr/bin/env python3
"""Generate realistic Jimo webhook payloads, one JSON object per line (JSON Lines).

The output is deterministic for a given set of options (seeded), so tests and
benchmarks can regenerate the same stream.  Shapes follow the two documented
examples (test/fixtures/examples/); see the usage text (--help) for options.

Model, in short:
  * team members (``user``) create experiences of the six types, publish them
    (created before published), sometimes republish, pause/resume
    (``*.status-changed``) and delete them; every later payload carries the
    experience snapshot as it is at that time (isDraft false once published,
    state PAUSED while paused, new title/tags after a republish);
  * end users (``jimer``) interact with live experiences of the matching type:
    tours started -> completed (about half, minutes to days later), surveys
    started -> step.answered per step with drop-off -> completed, checklists
    started -> task.completed/skipped -> completed or dismissed, hints and
    banners seen, posts liked and commented;
  * every distinct payload gets a distinct event time, so no two generated
    events are equal by content: a repeated payload is always a redelivery;
  * ``--duplicates`` adds redeliveries (Jimo retries 1h, 3h, 1d, 3d, 1w after
    a failure), some re-serialized with another key order, whitespace or
    escaping; ``--shuffle`` makes arrival order differ from event-time order.

``--events`` counts output lines, redeliveries included:
  unique events = events - round(events * duplicates).
"""

import argparse
import bisect
import datetime
import json
import random
import sys
import time as _time
import uuid

TYPES = ("TOUR", "SURVEY", "CHECKLIST", "HINT", "BANNER", "POST")
PREFIX = {"TOUR": "tour", "SURVEY": "survey", "CHECKLIST": "checklist",
          "HINT": "hint", "BANNER": "banner", "POST": "post"}

AUTHORING_SUFFIXES = ("created", "published", "status-changed", "deleted")
INTERACTIONS = {
    "TOUR": ("started", "completed"),
    "SURVEY": ("started", "step.answered", "completed"),
    "CHECKLIST": ("started", "task.completed", "task.skipped", "completed",
                  "dismissed"),
    "HINT": ("seen",),
    "BANNER": ("seen",),
    "POST": ("liked", "commented"),
}


def all_event_names():
    names = []
    for ty in TYPES:
        p = PREFIX[ty]
        for s in AUTHORING_SUFFIXES:
            if ty == "POST" and s == "status-changed":
                continue  # Jimo has no post.status-changed
            names.append(p + "." + s)
        for s in INTERACTIONS[ty]:
            names.append(p + "." + s)
    return names


ALL_EVENTS = all_event_names()
assert len(ALL_EVENTS) == 37, len(ALL_EVENTS)

SEC = 1000
MIN = 60 * SEC
HOUR = 60 * MIN
DAY = 24 * HOUR
# Jimo retries a failed delivery 1h, then 3h, 1d, 3d and 1w later.
RETRY_DELAYS = (HOUR, 4 * HOUR, 28 * HOUR, 100 * HOUR, 268 * HOUR)
RETRY_WEIGHTS = (50, 20, 12, 8, 5)

TITLES = {
    "TOUR": ["Onboarding", "Getting started", "New editor walkthrough",
             "Découvrir le tableau de bord", "Invite your team",
             "Reports 101", "Billing setup"],
    "SURVEY": ["NPS", "Feature feedback", "Churn survey",
               "Satisfaction — support", "Onboarding feedback",
               "Pricing \"value\" survey"],
    "CHECKLIST": ["Setup checklist", "First week", "Get the most of Jimo",
                  "Admin essentials"],
    "HINT": ["Export button", "Keyboard shortcuts", "Filtres avancés",
             "Saved views", "Bulk edit"],
    "BANNER": ["Maintenance window", "New pricing", "Black Friday 🎉",
               "Webinar: what's new", "Status: degraded performance"],
    "POST": ["Release 2.4", "Dark mode is here", "Intégration Slack",
             "Faster search", "API v2 \\ deprecations"],
}
TRIGGERS = ("DEFAULT", "EVENT", "MANUAL", "LEAVE_PAGE", "URL", "NONE")
TRIGGER_W = (50, 15, 10, 5, 15, 5)
TAG_NAMES = ("onboarding", "billing", "power-users", "Q1 launch", "EMEA",
             "beta", "rétention", "admins")
FIRST = ("Sam", "Alex", "Zoë", "Jean-Luc", "Priya", "Mateo", "Aiko", "Olu",
         "Chloé", "Noah", "Fatima", "Lars", "Ana", "Wei", "Björn", "Maya")
LAST = ("Martin", "Müller", "Nguyen", "O'Brien", "Rossi", "García", "Kim",
        "Dubois", "Smith", "Kowalski", "Silva", "at Jimo")
STEP_TYPES = ("NPS", "TEXT", "MULTIPLE_CHOICE", "SINGLE_CHOICE",
              "OPINION_SCALE", "SLIDER")
STEP_TYPE_W = (20, 25, 20, 15, 12, 8)
STEP_TITLES = {
    "NPS": ["How likely are you to recommend us to a friend?",
            "Quelle probabilité de nous recommander ?"],
    "TEXT": ["What could we improve?", "Anything else to tell us?",
             "Why did you give that score?"],
    "MULTIPLE_CHOICE": ["Which features do you use?",
                        "What do you use us for?"],
    "SINGLE_CHOICE": ["What is your role?", "How did you hear about us?"],
    "OPINION_SCALE": ["How easy was it?", "How satisfied are you?"],
    "SLIDER": ["How much of your work happens here (%)?"],
}
CHOICES = ("Dashboards", "Reports", "Exports", "API", "Integrations",
           "Mobile app", "Automations", "Other")
TEXT_ANSWERS = (
    "Great product!", "Too slow on large projects", "More integrations please",
    "The new editor is confusing", "Très bien, merci 👍", "",
    "Pricing is \"a bit\" high", "Dark mode!!", "Support was fast and kind",
    "Line one\nline two", "Exports to C:\\reports fail", "ok",
    "Would love an API for tasks\tand more", "Ça marche pas sur Safari",
    "I can't find the settings page",
)
COMMENTS = (
    "Love it!", "Finally 🎉", "Does this work with SSO?", "Merci !",
    "When is this coming to mobile?", "Nice, but \"beta\" label is confusing",
    "+1", "Path C:\\temp\\x is not accepted", "Great\nwork team",
    "Please add an undo", "👏👏👏", "Bug: the button is grey on Firefox",
)
TASKS = ("Create your first project", "Invite a teammate", "Connect Slack",
         "Install the snippet", "Customize your theme", "Set up billing",
         "Import your data", "Publish your first tour", "Add a domain")


def iso(ms):
    """ISO-8601 UTC with milliseconds, as Jimo writes createdAt etc."""
    return (_time.strftime("%Y-%m-%dT%H:%M:%S", _time.gmtime(ms // 1000))
            + ".%03dZ" % (ms % 1000))


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def parse_start(s):
    s = s.strip()
    if s.lstrip("-").isdigit():
        v = int(s)
        return v * 1000 if abs(v) < 10 ** 11 else v
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    d = datetime.datetime.fromisoformat(s)
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp() * 1000)


class Experience:
    __slots__ = ("idx", "uid", "type", "prefix", "owner", "created", "versions",
                 "vtimes", "live", "live_cum", "weight", "steps", "tasks")


def _pick_cum(rng, cum):
    return bisect.bisect_right(cum, rng.random() * cum[-1])


class Generator:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.start = a.start
        self.end = a.start + int(a.days * DAY)
        self.span = self.end - self.start
        self.recs = []  # (t, rank, seq, name, exp idx, actor idx, extra, version idx)
        self.seq = 0

    def uid(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    # ------------------------------------------------------------------ actors
    def make_users(self):
        rng = self.rng
        self.users = []
        for i in range(self.a.users):
            fn, ln = rng.choice(FIRST), rng.choice(LAST)
            email = "%s.%s@%s" % (fn.lower(), i, rng.choice(
                ("acme.io", "example.com", "jimo.so")))
            self.users.append(dumps({"uid": self.uid(), "email": email,
                                     "firstName": fn, "lastName": ln}))

    def make_jimers(self):
        rng = self.rng
        n = self.a.jimers
        self.jimer_prefix = []
        self.jimer_created = []
        w = []
        for i in range(n):
            if rng.random() < 0.7:  # existing users of the customer's app
                created = self.start - rng.randrange(1, 365) * DAY - rng.randrange(DAY)
            else:                   # sign up during the period
                created = self.start + int(rng.random() * self.span * 0.9)
            created -= created % SEC
            fn = rng.choice(FIRST)
            if rng.random() < 0.25:  # anonymous: never identified
                token = None
                username = None if rng.random() < 0.5 else "%s %d" % (fn, i)
                email = None
            else:
                r = rng.random()
                token = ("usr_%06d" % i if r < 0.5 else
                         "%s%d" % (fn.lower(), i) if r < 0.8 else
                         str(uuid.UUID(int=rng.getrandbits(128), version=4)))
                username = fn if rng.random() < 0.5 else "%s %s" % (fn, rng.choice(LAST))
                email = (None if rng.random() < 0.4 else
                         "%s.%d@customer-%d.com" % (fn.lower(), i, i % 97))
            head = dumps({"uid": self.uid(), "identifyToken": token,
                          "username": username, "email": email,
                          "createdAt": iso(created)})
            self.jimer_prefix.append(head[:-1] + ',"lastActivityAt":"')
            self.jimer_created.append(created)
            w.append(rng.paretovariate(1.3))  # a few very active jimers
        self.jimer_cum = []
        acc = 0.0
        for x in w:
            acc += x
            self.jimer_cum.append(acc)

    # ------------------------------------------------------------- experiences
    def add(self, t, rank, name, e, actor, extra=None, vidx=-1):
        self.recs.append((t, rank, self.seq, name, e, actor, extra, vidx))
        self.seq += 1

    def make_experiences(self):
        rng = self.rng
        n = max(self.a.experiences, len(TYPES))
        weights = (25, 20, 10, 20, 12, 13)
        types = list(TYPES)  # at least one of each type
        types += rng.choices(TYPES, weights=weights, k=n - len(TYPES))
        # the first of each type is an "anchor" (published early, never paused
        # or deleted); the second is forced through pause/resume and delete so
        # that every authoring event kind appears
        seen = {}
        tag_pool = [{"uid": self.uid(), "name": nm} for nm in TAG_NAMES]
        self.exps = []
        self.by_type = {ty: [] for ty in TYPES}
        used_titles = {}
        for idx, ty in enumerate(types):
            nth = seen.get(ty, 0)
            seen[ty] = nth + 1
            solo = types.count(ty) == 1
            x = Experience()
            x.idx, x.type, x.prefix = idx, ty, PREFIX[ty]
            x.uid = self.uid()
            x.owner = rng.randrange(len(self.users))
            x.weight = rng.paretovariate(1.5)
            base = TITLES[ty][nth % len(TITLES[ty])]
            k = used_titles.get(base, 0)
            used_titles[base] = k + 1
            title = base if k == 0 else "%s %d" % (base, k + 1)
            rtype = rng.choices(("SINGLE_TIME", "EVERY_TIME", "DAY_BASED"),
                                weights=(50, 35, 15))[0]
            snap = {
                "uid": x.uid, "title": title, "type": ty, "state": "LIVE",
                "isDraft": True, "publishedAt": None, "createdAt": None,
                "expiresAt": None,
                "triggerType": rng.choices(TRIGGERS, weights=TRIGGER_W)[0],
                "recurrencyType": rtype,
                "recurrencyValue": rng.randint(1, 30) if rtype == "DAY_BASED" else 1,
            }
            if self.a.tags:
                snap["tags"] = rng.sample(tag_pool, rng.randint(0, 3))
            anchor = nth == 0
            forced = nth == 1 or solo
            if anchor:
                created = self.start + int(rng.random() * 0.05 * self.span)
            else:
                created = self.start + int(rng.random() ** 2 * 0.6 * self.span)
            created -= created % SEC
            snap["createdAt"] = iso(created)
            x.created = created
            life_end = self.end
            if ty in ("BANNER", "POST") and rng.random() < 0.3:
                exp_at = created + rng.randint(20, 90) * DAY
                exp_at -= exp_at % SEC
                snap["expiresAt"] = iso(exp_at)
                life_end = min(life_end, exp_at)

            # authoring timeline: (time, suffix, change)
            plan = []
            published = anchor or forced or rng.random() < 0.9
            p = None
            if published:
                p = created + int(min(rng.lognormvariate(0, 1.5) * HOUR, 3 * DAY)) + 10 * MIN
                if anchor or forced:
                    p = min(p, created + 6 * HOUR)
            deleted = None
            if forced:
                deleted = self.end - int(rng.random() * 0.08 * self.span)
            elif not anchor and rng.random() < 0.15:
                deleted = (p or created) + int(rng.random() * (self.end - (p or created)))
            stop = deleted if deleted is not None else self.end
            if p is not None and p >= stop:
                p = None
            if p is not None:
                plan.append((p, "published", "publish"))
                if not anchor and rng.random() < 0.2:
                    plan.append((p + int(rng.random() * (stop - p)), "published", "republish"))
                if ty != "POST" and (forced or (not anchor and rng.random() < 0.35)):
                    x0 = p + int(rng.random() * (stop - p) * (0.5 if forced else 1.0))
                    plan.append((x0, "status-changed", "pause"))
                    if forced or rng.random() < 0.6:
                        r = x0 + int(min(rng.lognormvariate(1, 1.2) * HOUR, 7 * DAY)) + MIN
                        if r < stop:
                            plan.append((r, "status-changed", "resume"))
            plan.sort()
            if deleted is not None and deleted > (plan[-1][0] if plan else created):
                plan.append((deleted, "deleted", None))

            x.versions = []   # (time, json) ; time fixed up after uniquify
            vidx = 0
            x.versions.append([created, dumps(snap)])
            self.add(created, 0, x.prefix + ".created", idx, x.owner, None, vidx)
            live = []
            live_from = None
            for t, suffix, change in plan:
                if t >= self.end:
                    break
                if change == "publish":
                    snap["isDraft"] = False
                    snap["publishedAt"] = iso(t)
                    live_from = t
                elif change == "republish":
                    snap["publishedAt"] = iso(t)
                    if rng.random() < 0.5:
                        snap["title"] = snap["title"] + " (v2)"
                    if self.a.tags and rng.random() < 0.5:
                        snap["tags"] = rng.sample(tag_pool, rng.randint(0, 3))
                elif change == "pause":
                    snap["state"] = "PAUSED"
                    if live_from is not None:
                        live.append((live_from, t))
                    live_from = None
                elif change == "resume":
                    snap["state"] = "LIVE"
                    live_from = t
                elif suffix == "deleted":
                    if live_from is not None:
                        live.append((live_from, t))
                    live_from = None
                vidx += 1
                x.versions.append([t, dumps(snap)])
                rank = {"published": 1, "status-changed": 2, "deleted": 6}[suffix]
                actor = x.owner if rng.random() < 0.8 else rng.randrange(len(self.users))
                self.add(t, rank, x.prefix + "." + suffix, idx, actor, None, vidx)
            if live_from is not None:
                live.append((live_from, self.end))
            # interactions only while published, live and not expired
            x.live = []
            for a, b in live:
                a, b = a + SEC, min(b, life_end)
                if b - a > MIN:
                    x.live.append((a, b))
            x.live_cum = []
            acc = 0
            for a, b in x.live:
                acc += b - a
                x.live_cum.append(acc)
            x.steps = x.tasks = None
            if ty == "SURVEY":
                x.steps = []
                for pos in range(1, rng.randint(3, 6) + 1):
                    st = "NPS" if (pos == 1 and (anchor or rng.random() < 0.5)) else \
                        rng.choices(STEP_TYPES, weights=STEP_TYPE_W)[0]
                    step = {"uid": self.uid(), "title": rng.choice(STEP_TITLES[st]),
                            "type": st, "position": pos}
                    opts = rng.sample(CHOICES, 5) if st in ("MULTIPLE_CHOICE", "SINGLE_CHOICE") else None
                    x.steps.append((st, ',"step":' + dumps(step) + ',"answer":', opts))
            elif ty == "CHECKLIST":
                x.tasks = [',"task":' + dumps({"uid": self.uid(), "title": tt})
                           for tt in rng.sample(TASKS, rng.randint(3, 6))]
            self.exps.append(x)
            if x.live:
                self.by_type[ty].append(x)
        self.type_cum = {}
        for ty, xs in self.by_type.items():
            acc, cum = 0.0, []
            for x in xs:
                acc += x.weight
                cum.append(acc)
            self.type_cum[ty] = cum

    # ------------------------------------------------------------ interactions
    def answer(self, st, opts):
        rng = self.rng
        r = rng.random()
        if st == "NPS":
            v = rng.choices(range(11), weights=(2, 1, 1, 2, 2, 4, 5, 9, 16, 20, 18))[0]
            return dumps({"value": v}) if r < 0.15 else ('"%d"' % v if r < 0.18 else str(v))
        if st == "OPINION_SCALE":
            v = rng.randint(1, 5)
            return dumps({"value": v}) if r < 0.15 else str(v)
        if st == "SLIDER":
            return str(rng.randint(0, 100))
        if st == "TEXT":
            s = rng.choice(TEXT_ANSWERS)
            return dumps({"text": s}) if r < 0.1 else dumps(s)
        if st == "MULTIPLE_CHOICE":
            c = rng.sample(opts, rng.randint(1, 3))
            return dumps({"choices": c}) if r < 0.1 else dumps(c)
        c = rng.choice(opts)  # SINGLE_CHOICE
        return dumps({"value": c}) if r < 0.2 else dumps(c)

    def pick_jimer(self, t):
        rng = self.rng
        for _ in range(6):
            j = _pick_cum(rng, self.jimer_cum)
            if self.jimer_created[j] < t:
                return j
        # fall back to any jimer that already existed
        for _ in range(50):
            j = rng.randrange(len(self.jimer_created))
            if self.jimer_created[j] < t:
                return j
        return None

    def pick(self, ty):
        """An experience of type ty live at a random time t, and a jimer."""
        rng = self.rng
        xs = self.by_type[ty]
        if not xs:
            return None
        x = xs[_pick_cum(rng, self.type_cum[ty])]
        r = rng.random() * x.live_cum[-1]
        i = bisect.bisect_right(x.live_cum, r)
        a, b = x.live[i]
        t = b - int(x.live_cum[i] - r)
        j = self.pick_jimer(t)
        if j is None:
            return None
        return x, t, b, j

    def journey(self, ty, out, force=None):
        """Append the events of one jimer's journey to out; force picks outcomes.

        Returns (experience index, jimer index), or None when nothing fits."""
        got = self.pick(ty)
        if got is None:
            return None
        x, t, stop, j = got
        self._journey(x, t, stop, out, force)
        return x.idx, j

    def _journey(self, x, t, stop, out, force):
        rng = self.rng
        ty = x.type
        p = x.prefix

        def ev(t, rank, suffix, extra=None):
            if t < stop and t < self.end:
                out.append((t, rank, suffix, extra))
                return True
            return False

        if ty in ("HINT", "BANNER"):
            ev(t, 3, p + ".seen")
        elif ty == "TOUR":
            ev(t, 3, p + ".started")
            if force or rng.random() < 0.5:
                r = rng.random()
                d = (rng.randint(20, 600) * SEC if r < 0.7 else
                     rng.randint(10, 600) * MIN if r < 0.9 else
                     rng.randint(1, 5) * DAY + rng.randrange(DAY))
                ev(t + d, 5, p + ".completed")
        elif ty == "SURVEY":
            ev(t, 3, p + ".started")
            n = len(x.steps)
            for k, (st, head, opts) in enumerate(x.steps):
                if not force and rng.random() > (0.9 if k == 0 else 0.86):
                    return  # drop-off
                t += rng.randint(3, 90) * SEC + rng.randrange(SEC)
                if not ev(t, 4, p + ".step.answered", head + self.answer(st, opts)):
                    return
                if k == n - 1:
                    t += rng.randint(1, 5) * SEC
                    ev(t, 5, p + ".completed")
        elif ty == "CHECKLIST":
            ev(t, 3, p + ".started")
            tasks = list(x.tasks)
            rng.shuffle(tasks)
            for k, task in enumerate(tasks):
                t += (rng.randint(30, 3600) * SEC if rng.random() < 0.7 else
                      rng.randint(1, 72) * HOUR) + rng.randrange(SEC)
                r = rng.random()
                if force == "complete":
                    r = 0.0 if k else 0.7  # one skip, the rest completed
                elif force == "dismiss":
                    r = 0.0 if k == 0 else 0.99
                if r < 0.65:
                    ok = ev(t, 4, p + ".task.completed", task)
                elif r < 0.77:
                    ok = ev(t, 4, p + ".task.skipped", task)
                else:  # gives up
                    if force == "dismiss" or rng.random() < 0.3:
                        ev(t, 5, p + ".dismissed")
                    return
                if not ok:
                    return
            ev(t + rng.randint(1, 10) * SEC, 5, p + ".completed")
        else:  # POST
            r = rng.random()
            if force or r < 0.75:
                ev(t, 4, p + ".liked")
                t += rng.randint(5, 600) * SEC
            if force or r > 0.6:
                c = {"uid": self.uid(), "text": rng.choice(COMMENTS)}
                ev(t, 4, p + ".commented", ',"comment":' + dumps(c))

    def make_interactions(self, want):
        rng = self.rng
        kinds = ("TOUR", "SURVEY", "CHECKLIST", "HINT", "BANNER", "POST")
        weights = (24, 10, 8, 28, 18, 12)
        cum = []
        acc = 0
        for w in weights:
            acc += w
            cum.append(acc)
        # first a few complete journeys so that every event kind appears
        forced = [("TOUR", True), ("SURVEY", True), ("CHECKLIST", "complete"),
                  ("CHECKLIST", "dismiss"), ("HINT", True), ("BANNER", True),
                  ("POST", True)]
        got = 0
        i = 0
        out = []
        tries = 0
        while got < want:
            if i < len(forced):
                ty, force = forced[i]
                i += 1
            else:
                ty, force = kinds[_pick_cum(rng, cum)], None
            out.clear()
            r = self.journey(ty, out, force)
            tries += 1
            if r is None or not out:
                if tries > 100 and got == 0:
                    sys.exit("gen_events: no experience is live long enough to interact with")
                continue
            e, j = r
            for t, rank, name, extra in out[:want - got]:
                self.add(t, rank, name, e, j, extra)
            got += min(len(out), want - got)

    # ------------------------------------------------------------------ output
    def build(self):
        a = self.a
        n_dup = int(round(a.events * a.duplicates))
        unique = a.events - n_dup
        self.make_users()
        self.make_jimers()
        self.make_experiences()
        authoring = len(self.recs)
        if authoring >= unique:
            self.recs.sort()
            del self.recs[unique:]
        else:
            self.make_interactions(unique - authoring)
        self.recs.sort()
        # distinct times (so distinct payloads), in the same order; time
        # variants: 0 ms number, 1 seconds number, 2 ms string, 3 seconds string
        rng = self.rng
        n = len(self.recs)
        self.times = [0] * n
        self.tvar = bytearray(n)
        prev = -1 << 62
        for k, rec in enumerate(self.recs):
            t = rec[0]
            if t <= prev:
                t = prev + 1
            if a.time_variants:
                r = rng.random()
                v = 1 if r < 0.01 else 2 if r < 0.02 else 3 if r < 0.025 else 0
                if v in (1, 3):
                    t = -(-t // SEC) * SEC
                self.tvar[k] = v
            self.times[k] = t
            prev = t
            if rec[7] >= 0:  # authoring: its snapshot takes effect at its time
                self.exps[rec[4]].versions[rec[7]][0] = t
        for x in self.exps:
            x.vtimes = [v[0] for v in x.versions]
        # arrival order
        arrivals = []
        shuffle = a.shuffle
        for k in range(n):
            t = self.times[k]
            if shuffle == "late":
                t += rng.randrange(3 * SEC)
                if rng.random() < 0.05:  # first delivery failed, a retry got through
                    t += rng.choices(RETRY_DELAYS, weights=RETRY_WEIGHTS)[0] + rng.randrange(MIN)
            arrivals.append((t, k, 0))
        self.dup_variant = []
        for d in range(n_dup):
            k = rng.randrange(n) if n else 0
            when = arrivals[k][0] + rng.choices(RETRY_DELAYS, weights=RETRY_WEIGHTS)[0] \
                + rng.randrange(10 * MIN)
            r = rng.random()
            variant = 0 if r < 0.4 else 1 + rng.randrange(7)  # bits: keys, spaces, ascii
            arrivals.append((when, k, d + 1))
            self.dup_variant.append(variant)
        if shuffle == "random":
            rng.shuffle(arrivals)
        else:
            arrivals.sort()
        self.arrivals = arrivals
        self.n_dup = n_dup

    def render(self, k):
        t0, _rank, _seq, name, e, actor, extra, vidx = self.recs[k]
        t = self.times[k]
        v = self.tvar[k]
        ts = (str(t) if v == 0 else str(t // SEC) if v == 1 else
              '"%d"' % t if v == 2 else '"%d"' % (t // SEC))
        x = self.exps[e]
        if vidx < 0:
            vidx = bisect.bisect_right(x.vtimes, t) - 1
            who = self.jimer_prefix[actor]
            last = max(t - t % SEC - (t % 3) * SEC, self.jimer_created[actor])
            who = ',"jimer":' + who + iso(last) + '"}'
        else:
            who = ',"user":' + self.users[actor]
        return ('{"event":"' + name + '","version":"0","time":' + ts
                + ',"experience":' + x.versions[vidx][1] + who
                + (extra or "") + self.project + "}")

    def write(self, out):
        a = self.a
        self.project = ""
        if a.project:
            self.project = ',"project":' + dumps(
                {"uid": str(uuid.UUID(int=random.Random(a.seed * 7 + 1).getrandbits(128), version=4)),
                 "name": a.project_name})
        orng = random.Random(a.seed * 31 + 7)
        buf = []
        for _when, k, d in self.arrivals:
            line = self.render(k)
            if d:
                variant = self.dup_variant[d - 1]
                if variant:
                    obj = json.loads(line)
                    if variant & 1:
                        obj = _shuffled(obj, orng)
                    line = json.dumps(obj, ensure_ascii=bool(variant & 4),
                                      separators=(", ", ": ") if variant & 2 else (",", ":"))
            buf.append(line)
            if len(buf) >= 4096:
                buf.append("")
                out.write("\n".join(buf))
                buf.clear()
        if buf:
            buf.append("")
            out.write("\n".join(buf))

    def stats(self, err):
        counts = {}
        for rec in self.recs:
            counts[rec[3]] = counts.get(rec[3], 0) + 1
        dups = {}
        for _w, k, d in self.arrivals:
            if d:
                nm = self.recs[k][3]
                dups[nm] = dups.get(nm, 0) + 1
        total = len(self.recs)
        err.write("%-28s %9s %7s %9s\n" % ("event", "unique", "%", "redeliv."))
        for nm in ALL_EVENTS:
            c = counts.get(nm, 0)
            err.write("%-28s %9d %6.2f%% %9d\n" % (nm, c, 100.0 * c / max(total, 1),
                                                    dups.get(nm, 0)))
        missing = [nm for nm in ALL_EVENTS if nm not in counts]
        err.write("%-28s %9d %7s %9d\n" % ("total", total, "", self.n_dup))
        err.write("lines %d = unique %d + redeliveries %d; kinds %d/37%s\n" % (
            total + self.n_dup, total, self.n_dup, 37 - len(missing),
            (" (missing: %s)" % ", ".join(missing)) if missing else ""))


def _shuffled(o, rng):
    if isinstance(o, dict):
        items = list(o.items())
        rng.shuffle(items)
        return {k: _shuffled(v, rng) for k, v in items}
    if isinstance(o, list):
        return [_shuffled(v, rng) for v in o]
    return o


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Generate realistic Jimo webhook payloads as JSON Lines on stdout.",
        epilog="--events counts lines, redeliveries included. Same options, same output.")
    ap.add_argument("--events", type=int, default=10000,
                    help="lines to write, redeliveries included (default 10000)")
    ap.add_argument("--jimers", type=int, default=None,
                    help="end users (default max(20, events/20))")
    ap.add_argument("--experiences", type=int, default=40,
                    help="tours, surveys, ... (at least 6: one of each type; default 40)")
    ap.add_argument("--users", type=int, default=4, help="team members who author (default 4)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--start", type=parse_start, default=parse_start("2025-02-01"),
                    help="start of the period: epoch ms (or s) or ISO date (default 2025-02-01)")
    ap.add_argument("--days", type=float, default=30, help="length of the period (default 30)")
    ap.add_argument("--duplicates", type=float, default=0.0, metavar="FRACTION",
                    help="fraction of lines that are redeliveries of an earlier payload, "
                         "some with another key order, whitespace or escaping (default 0)")
    ap.add_argument("--shuffle", nargs="?", const="late", choices=("late", "random"),
                    help="arrival order differs from event time: 'late' (default when given: "
                         "jitter plus some deliveries hours/days late) or 'random' (any order)")
    ap.add_argument("--project", action="store_true", help="add a top-level project {uid, name}")
    ap.add_argument("--project-name", default="Acme app", help=argparse.SUPPRESS)
    ap.add_argument("--tags", action="store_true", help="add tags [{uid, name}] to experiences")
    ap.add_argument("--time-variants", action="store_true",
                    help="about 2.5%% of times in seconds or as numeric strings")
    ap.add_argument("--stats", action="store_true",
                    help="print a histogram of event names to stderr")
    a = ap.parse_args(argv)
    if a.events < 0 or not 0 <= a.duplicates < 1:
        ap.error("--events must be >= 0 and --duplicates in [0, 1)")
    if a.jimers is None:
        a.jimers = max(20, a.events // 20)
    if a.jimers < 1 or a.users < 1:
        ap.error("--jimers and --users must be >= 1")
    a.experiences = max(a.experiences, len(TYPES))
    g = Generator(a)
    g.build()
    out = sys.stdout
    out.reconfigure(encoding="utf-8", newline="\n")
    try:
        g.write(out)
        out.flush()
    except BrokenPipeError:
        sys.stderr.close()
        return 1
    if a.stats:
        g.stats(sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

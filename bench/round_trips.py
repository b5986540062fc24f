"""Zoho calls, API credits and round trips per page, at a Zoho-like latency (issue 23).

    .venv/bin/python bench/round_trips.py                   # 150 ms emulator latency
    .venv/bin/python bench/round_trips.py --latency-ms 50

The emulator runs in a child process with every request to it slowed by `--latency-ms` (its
`--latency-ms`: a typical round trip to Zoho from a customer's data center is 150 ms). This
process is the portal (production settings, a fresh SQLite file, the Django test client), so
what a step costs is the calls it makes to Zoho and how many of them wait on each other.
First the process serves one sign-in of another data center's org (Sofia Lindqvist,
Nordwind Logistik, EU), as a production worker has served requests before the one measured:
its first request pays for imports, the SDK's initialisation and templates compiled; it is
reported on its own line, and nothing of Zylker Traders' (nor of the US data center's recent
sign-ins) is cached by it. Then a new user signs in (Patricia Boyle, Administrator at Zylker
Traders: the first user of that org and profile) and walks through:

- Approve → dashboard: the consent form's Approve at the emulator, the portal's callback
  (code exchange, who-is-this) and the dashboard page it redirects to ("page shown": the
  page's tiles are placeholders); then, as the page's script does, each tile's and the
  pipeline's HTML fragment, four at a time ("tiles filled": from Approve until the last
  fragment answered, all calls of the sign-in included, the background warm-up's too);
- a list page (`/crm/Leads/`);
- an Account page with related lists (the account with the most contacts), then opening its
  Contacts list (the HTML fragment the page fetches when the list is opened);
- a form (`/crm/Contacts/new/`);
- lookup suggestions (`/crm/api/Accounts/lookup/?q=<first 3 letters of an account>`);
- a save (`POST /crm/api/Leads/`, one new lead);

each twice: the first visit after sign-in, and again. Then a second user of the same org (and,
where the demo directory has one, the same Zoho profile) signs in on "another host" (a new
client; this process's own short-lived copies dropped, the shared cache kept) and opens the
list page: the metadata calls it makes.

Per step: CRM calls (the emulator's count of `/crm/v8/` calls), accounts calls (token
exchange), credits (the emulator's meter, Zoho's weights: 1 a call, Convert Lead 5, COQL by
LIMIT), time, and time in round trips (time / latency). Last, API credits a day for 50 users ×
200 pages against each Zoho edition's allowance (`zoho_emulator.limits`, Zoho's "API Limits").
"""

from __future__ import annotations

import argparse
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import portal  # noqa: E402

PATRICIA = "patricia.boyle@zylker-traders.com"
ZGID = "720019234"  # Zylker Traders Inc. (Ultimate edition in the emulator)
# The process's first sign-in: another data center (EU), another org (Nordwind Logistik)
FIRST_OF_PROCESS, FIRST_OF_PROCESS_ORG = "sofia.lindqvist@nordwind-logistik.de", "20071245781"
USERS, PAGES = 50, 200

# issue 23's targets: (step, visit) -> (max round trips, max calls); None: no target
TARGETS = {
    ("Approve → dashboard page shown", "first"): (4, None),
    ("Account page", "first"): (4, 8),
    ("Account page", "again"): (2, 3),
    ("list page", "first"): (None, 3),
    ("list page", "again"): (None, 1),
    ("lookup suggestions", "first"): (2, None),
    ("lookup suggestions", "again"): (2, None),
}


class Meter:
    """Emulator counters before and after a step."""

    def __init__(self, emulator: common.Emulator, latency_s: float):
        self.emulator = emulator
        self.latency_s = latency_s

    def snapshot(self) -> dict:
        stats = self.emulator.stats()
        return {
            "crm": stats["api_calls"],
            "accounts": stats["token_calls_total"],
            "credits": sum(stats["credits_used_by_org"].values()),
            "paths": dict(stats["api_calls_by_path"]),
        }

    def measure(self, do) -> dict:
        before = self.snapshot()
        start = time.perf_counter()
        do()
        seconds = time.perf_counter() - start
        after = self.snapshot()
        paths = {
            p.split("/crm/v8/", 1)[-1]: n - before["paths"].get(p, 0)
            for p, n in after["paths"].items()
            if n - before["paths"].get(p, 0)
        }
        return {
            "calls": after["crm"] - before["crm"],
            "accounts": after["accounts"] - before["accounts"],
            "credits": after["credits"] - before["credits"],
            "seconds": seconds,
            "round_trips": seconds / self.latency_s,
            "paths": paths,
        }


def ok(response, *codes) -> None:
    if response.status_code not in (codes or (200,)):
        raise SystemExit(f"{response.request['PATH_INFO']}: HTTP {response.status_code}")


def sign_in(
    client, emulator: common.Emulator, email: str, meter: Meter, org: str = ZGID
) -> tuple[dict, dict]:
    """Start at /accounts/login/ (not timed), then Approve → callback → dashboard page
    (timed: "page shown"), then the page's parts as its script loads them (timed on:
    "tiles filled", every call of the sign-in counted)."""
    start = client.get("/accounts/login/")
    ok(start, 302)
    params = {k: v[0] for k, v in parse_qs(urlsplit(start["Location"]).query).items()}
    page: list[str] = []

    def approve_to_dashboard():
        callback = emulator.client.authorize(params, email=email, org=org)
        parts = urlsplit(callback)
        landing = client.get(f"{parts.path}?{parts.query}")
        ok(landing, 302)
        home = client.get(landing["Location"])
        ok(home)
        page.append(home.content.decode())

    shown = meter.measure(approve_to_dashboard)
    filled = _plus(shown, meter.measure(lambda: dashboard_parts(client, page[0])))
    # The warm-up after sign-in (accounts/services/warm_up.py; a thread here, no broker) may
    # still be fetching: its calls and credits count with the sign-in, its time does not
    # (nobody waits for it), and it ends before the next step is measured.
    filled = _plus(filled, meter.measure(_warm_ups_finish), timed=False)
    return shown, filled


def dashboard(client, meter: Meter) -> tuple[dict, dict]:
    """The dashboard again: the page, then its parts (as `sign_in`)."""
    page: list[str] = []

    def get():
        home = client.get("/")
        ok(home)
        page.append(home.content.decode())

    shown = meter.measure(get)
    return shown, _plus(shown, meter.measure(lambda: dashboard_parts(client, page[0])))


def dashboard_parts(client, html: str) -> None:
    """Each placeholder's fragment (`data-part-url`), four at a time as static/js/app.js asks
    for them, each on a client of its own with the page's session cookie."""
    from django import db
    from django.test import Client

    urls = re.findall(r'data-part-url="([^"]+)"', html)
    if not urls:
        raise SystemExit("the dashboard page has no parts to load")

    def get(url: str) -> None:
        browser = Client()
        browser.cookies = client.cookies
        try:
            ok(browser.get(url))
        finally:
            db.connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(get, urls))


def _plus(first: dict, then: dict, *, timed: bool = True) -> dict:
    """Two measured steps as one (its time the sum, unless `then` is not waited for)."""
    joined = dict(first, paths=dict(first["paths"]))
    for key in ("calls", "accounts", "credits"):
        joined[key] += then[key]
    if timed:
        joined["seconds"] += then["seconds"]
        joined["round_trips"] += then["round_trips"]
    for path, count in then["paths"].items():
        joined["paths"][path] = joined["paths"].get(path, 0) + count
    return joined


def _warm_ups_finish() -> None:
    for thread in threading.enumerate():
        if thread.name.startswith("warm-up-"):
            thread.join(120)


def busiest_account(client) -> tuple[str, str]:
    """(id, name) of an account of Zylker Traders with the most contacts (via the API; not
    measured)."""
    contacts = client.get("/crm/api/Contacts/?per_page=200").json()["data"]
    by_account: dict[str, tuple[int, str]] = {}
    for contact in contacts:
        ref = contact.get("Account_Name") or {}
        if ref.get("id"):
            count, _ = by_account.get(ref["id"], (0, ""))
            by_account[ref["id"]] = (count + 1, ref.get("name") or "")
    account = max(by_account, key=lambda k: by_account[k][0])
    return account, by_account[account][1]


def second_user(first: str) -> tuple[str, bool]:
    """Another demo user of the org, with the same Zoho profile when there is one."""
    from zoho_emulator import seed

    me = next(u for u in seed.USERS if u.email == first)
    others = [u for u in seed.USERS if u.email != first and ZGID in u.orgs]
    same = [u for u in others if u.profile == me.profile]
    return (same[0].email, True) if same else (others[0].email, False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency-ms", type=float, default=150.0)
    args = parser.parse_args()
    latency_s = args.latency_ms / 1000

    with common.Emulator(latency_ms=args.latency_ms) as emulator:
        env = portal.portal_env(common.sqlite_url(), emulator.url)
        env["ZOHO_WARM_UP_AFTER_SIGN_IN"] = "true"  # as deployed: part of what is measured
        portal.setup_portal(env)
        from django.test import Client

        from crm import metadata

        meter = Meter(emulator, latency_s)
        # What a gunicorn worker does before its first request (deploy/gunicorn.conf.py's
        # post_worker_init): views imported, the SDK started, templates compiled.
        from zohoportal.wsgi import warm

        warm()
        first_of_process, _ = sign_in(
            Client(), emulator, FIRST_OF_PROCESS, meter, org=FIRST_OF_PROCESS_ORG
        )
        metadata.forget_local()
        client = Client()
        rows: list[tuple[str, str, dict]] = []
        shown, filled = sign_in(client, emulator, PATRICIA, meter)
        rows.append(("Approve → dashboard page shown", "first", shown))
        rows.append(("Approve → tiles filled", "first", filled))
        shown, filled = dashboard(client, meter)
        rows.append(("dashboard page shown", "again", shown))
        rows.append(("dashboard tiles filled", "again", filled))
        for visit in ("first", "again"):
            rows.append(("list page", visit, meter.measure(lambda: ok(client.get("/crm/Leads/")))))
        account, name = busiest_account(client)
        for visit in ("first", "again"):
            rows.append(
                (
                    "Account page",
                    visit,
                    meter.measure(lambda: ok(client.get(f"/crm/Accounts/{account}/"))),
                )
            )
        rows_url = f"/crm/Accounts/{account}/related/Contacts/rows/"
        for visit in ("first", "again"):
            rows.append(
                ("open a related list", visit, meter.measure(lambda: ok(client.get(rows_url))))
            )
        for visit in ("first", "again"):
            rows.append(
                ("form (new)", visit, meter.measure(lambda: ok(client.get("/crm/Contacts/new/"))))
            )
        query = (name or "Zyl")[:3]
        lookup_url = f"/crm/api/Accounts/lookup/?q={query}"
        for visit in ("first", "again"):
            rows.append(
                ("lookup suggestions", visit, meter.measure(lambda: ok(client.get(lookup_url))))
            )
        for n, visit in enumerate(("first", "again")):
            lead = {"Last_Name": f"Bench {n}", "Company": "Round Trips Ltd"}
            rows.append(
                (
                    "save (new lead)",
                    visit,
                    meter.measure(
                        lambda lead=lead: ok(
                            client.post("/crm/api/Leads/", lead, content_type="application/json"),
                            201,
                        )
                    ),
                )
            )
        # A second user of the org on "another host": a new client; this process's own
        # short-lived copies dropped, the shared cache (the portal's CACHES) kept.
        other, same_profile = second_user(PATRICIA)
        metadata.forget_local()
        client2 = Client()
        second_shown, second_sign_in = sign_in(client2, emulator, other, meter)
        metadata.forget_local()
        second = meter.measure(lambda: ok(client2.get("/crm/Leads/")))
        report(
            rows,
            second_shown,
            second_sign_in,
            second,
            other,
            same_profile,
            args.latency_ms,
            first_of_process,
        )


def target_text(step: str, visit: str, m: dict) -> tuple[str, str]:
    rt, calls = TARGETS.get((step, visit), (None, None))
    if rt is None and calls is None:
        return "", ""
    parts, met = [], True
    if rt is not None:
        parts.append(f"≤ {rt} RT")
        met &= m["round_trips"] <= rt
    if calls is not None:
        parts.append(f"≤ {calls} calls")
        met &= m["calls"] <= calls
    return ", ".join(parts), common.met(met)


def metadata_calls(m: dict) -> int:
    return sum(n for p, n in m["paths"].items() if p.startswith(("settings/", "users", "org")))


def report(
    rows,
    second_shown: dict,
    second_sign_in: dict,
    second: dict,
    other: str,
    same_profile: bool,
    latency_ms: float,
    first_of_process: dict,
) -> None:
    print(f"# Zoho calls, credits and round trips per page, emulator latency {latency_ms:g} ms")
    print(f"# {common.machine()}\n")
    table_rows = []
    for step, visit, m in rows:
        target, met = target_text(step, visit, m)
        table_rows.append(
            [
                step,
                visit,
                m["calls"],
                m["accounts"],
                m["credits"],
                f"{m['seconds'] * 1000:.0f}",
                f"{m['round_trips']:.1f}",
                target,
                met,
            ]
        )
    print(
        common.table(
            [
                "step",
                "visit",
                "CRM calls",
                "accounts calls",
                "credits",
                "ms",
                "round trips",
                "target (issue 23)",
                "",
            ],
            table_rows,
        )
    )
    who = (
        "same org and profile"
        if same_profile
        else "same org, another profile: no demo user shares Patricia's"
    )
    print(
        f"\nsecond user ({other}, {who}) on another host: Approve → dashboard page shown "
        f"{second_shown['round_trips']:.1f} round trips, {second_shown['calls']} CRM calls; "
        f"tiles filled {second_sign_in['round_trips']:.1f} round trips, "
        f"{second_sign_in['calls']} CRM calls in all, {metadata_calls(second_sign_in)} of them "
        f"metadata (settings/…, users, org); "
        f"then the first list page {second['calls']} CRM calls, {metadata_calls(second)} "
        f"metadata (target 0: {common.met(metadata_calls(second) == 0)})"
    )
    print(
        f"the process's first sign-in ({FIRST_OF_PROCESS}, EU, the first user of her org and "
        f"profile, before anything else): Approve → dashboard page shown "
        f"{first_of_process['round_trips']:.1f} round trips, {first_of_process['calls']} CRM "
        "calls (a process's first request: imports, the SDK's initialisation, templates)"
    )
    print("\nCRM calls by path, per step:")
    for step, visit, m in rows:
        print(f"  {step} ({visit}): {m['paths']}")
    print(f"  second user, Approve → dashboard page shown: {second_shown['paths']}")
    print(f"  second user, Approve → tiles filled: {second_sign_in['paths']}")
    print(f"  second user, list page: {second['paths']}")
    print(f"  the process's first sign-in, dashboard page shown: {first_of_process['paths']}")
    print(credits_table(rows))


def credits_table(rows) -> str:
    """Credits a day for USERS users × PAGES pages against each edition's allowance.

    A user's day: each step's first visit once, then PAGES pages of the warm mix (list,
    Account page, an opened related list, form, lookup, save: the "again" figures, equally
    often)."""
    from zoho_emulator import limits

    # "page shown" rows are part of the "tiles filled" ones after them (which count it all)
    counted = [(step, visit, m) for step, visit, m in rows if not step.endswith("page shown")]
    first = sum(m["credits"] for step, visit, m in counted if visit == "first")
    firsts = sum(1 for _, visit, _ in counted if visit == "first")
    warm = [
        m["credits"]
        for step, visit, m in counted
        if visit == "again" and not step.startswith("dashboard")
    ]
    per_page = sum(warm) / len(warm)
    per_user = first + (PAGES - firsts) * per_page
    total = USERS * per_user
    lines = [
        f"\nCredits a day, {USERS} users × {PAGES} pages: each step's first visit once "
        f"({first} credits), then {PAGES - firsts} warm pages at {per_page:.2f} credits "
        f"(the mean of the warm steps): {per_user:,.0f} a user, **{total:,.0f}** in all.\n"
    ]
    table_rows = []
    for name, edition in limits.EDITIONS.items():
        allowance = edition.base + USERS * edition.per_user
        if edition.maximum is not None:
            allowance = min(allowance, edition.maximum)
        table_rows.append(
            [
                name,
                f"{allowance:,}",
                f"{total / allowance:.0%}",
                "fits" if total <= allowance else "over",
            ]
        )
    lines.append(
        common.table(
            ["edition", f"credits a day ({USERS} users)", "used by the portal", ""], table_rows
        )
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()

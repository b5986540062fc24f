"""What the browser tests share besides fixtures: axe-core checks, and signing a page in
(straight, or by clicking through "Sign in with Zoho")."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


# --- accessibility: axe-core on every portal page a test visits ---------------------------
# Serious and critical violations fail the test; moderate and minor ones are reported only.
FAILING_IMPACTS = ("serious", "critical")
_NUMBERS = re.compile(r"/[0-9]{6,}/")


def axe_check(page, where: str = "") -> None:
    """Run axe-core on the page as it is now; fail on serious or critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response.get("violations", [])
    failing = [v for v in violations if v.get("impact") in FAILING_IMPACTS]
    _AXE_CHECKED.add(_axe_key(page, page.url))
    assert not failing, f"axe on {where or page.url}:\n" + "\n".join(
        f"- {v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])} nodes: "
        f"{', '.join(str(n.get('target')) for n in v['nodes'][:3])})"
        for v in failing
    )


_MODULE = re.compile(r"^/crm/[A-Z][A-Za-z0-9_]*/")
# Kinds of page (and viewport widths) axe has checked in this run: each is checked once.
_AXE_CHECKED: set[tuple[str, int]] = set()


def _axe_key(page, url: str) -> tuple[str, int]:
    return _shape(url), (page.viewport_size or {}).get("width", 0)


def _shape(url: str) -> str:
    """A page's kind: its path with record ids as N and CRM module names as M (one axe run
    per kind of page: every module's list is the same template)."""
    path = urlsplit(url).path
    return _MODULE.sub("/crm/M/", _NUMBERS.sub("/N/", path))


def axe_every_visited_page(page, base_url: str, visited: list[str]) -> None:
    """Every kind of portal page the test visited (by GET) that no test has had axe check
    yet at this width, checked now."""
    for url in visited:
        key = _axe_key(page, url)
        if not url.startswith(base_url) or key in _AXE_CHECKED or key[0].startswith(SKIP_AXE):
            continue
        _AXE_CHECKED.add(key)
        page.goto(url)
        if page.url.startswith(base_url):
            axe_check(page, url)


# The sign-in hops (redirects to Zoho and back) are not pages; the admin is Django's own.
SKIP_AXE = ("/accounts/login/", "/accounts/callback/", "/admin/", "/static/")


def signed_in(page, base_url: str, zoho, email: str, org_zgid: str | None = None):
    """`page`'s browser signed in as `email` without the sign-in flow: a connection minted
    straight into the emulator and the database (`tests.helpers.connect_straight`), its
    session cookie given to the browser. For every browser test that is not about sign-in
    (those click through `sign_in_with_zoho`)."""
    from django.conf import settings
    from django.test import Client

    from tests.helpers import connect_straight

    client = Client()
    connection = connect_straight(zoho, email, org_zgid, client)
    name = settings.SESSION_COOKIE_NAME
    page.context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": base_url}])
    page.goto(base_url + "/")
    return connection


def sign_in_with_zoho(page, base_url: str, email: str, org_zgid: str | None = None) -> None:
    """Click through "Sign in with Zoho" and the emulator's consent page."""
    page.goto(base_url + "/")
    sign_in_link = page.get_by_role("link", name="Sign in with Zoho")
    if sign_in_link.count():
        sign_in_link.first.click()
    else:  # already signed in: connect another org from the connections page
        page.goto(base_url + "/accounts/connections/")
        page.get_by_role("link", name="Connect another Zoho org").click()
    page.wait_for_selector("text=Sign in and authorize")
    page.locator(f"input[name=email][value='{email}']").check()
    if org_zgid:
        page.locator(f"input[name=org][value='{org_zgid}']").check()
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(f"{base_url}/**")

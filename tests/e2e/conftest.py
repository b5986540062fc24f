"""Browser tests: Playwright driving Debian's Chromium against live_server and the emulator.

With CI=true a missing browser fails the run; locally the tests skip and say how to install it.
Every page's console errors fail the test, and so does a serious or critical axe-core
violation on any kind of portal page the test visited; a screenshot of each test's last page
is saved under test-results/screenshots/.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# Playwright's sync API runs an event loop on the test thread; the ORM calls made by fixtures
# there are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
INSTALL_HINT = "apt-get update && apt-get install -y chromium && .venv/bin/pip install playwright"


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(f"{reason}; install with: {INSTALL_HINT}")


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _unavailable(f"no Chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-gpu",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def portal(live_server, zoho, settings):
    """live_server registered with the emulator as this portal's redirect URI."""
    redirect_uri = f"{live_server.url}/accounts/callback/"
    zoho.client.register_redirect_uri(redirect_uri)
    settings.ZOHO_REDIRECT_URI = redirect_uri
    settings.LOGIN_RATE_LIMIT = (1000, 60)
    return live_server


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


def _axe_every_visited_page(page, base_url: str, visited: list[str]) -> None:
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


def new_page(context, request, base_url: str):
    page = context.new_page()
    console_errors: list[str] = []
    # A test that expects an error page (e.g. 403 after denied consent) lists its text here.
    page.allowed_console_errors = []
    page.console_errors = console_errors
    page.visited = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    page.on(
        "framenavigated",
        lambda frame: page.visited.append(frame.url) if frame == page.main_frame else None,
    )
    page.set_default_timeout(15000)
    return page


def finish_page(page, request, base_url: str, name: str) -> None:
    """Screenshot, axe on every kind of page visited, then no unexpected console errors."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    except Exception:  # noqa: BLE001, S110 - a screenshot is only an artifact
        pass
    failed = getattr(request.node, "rep_call", None)
    if failed is None or failed.passed:
        page.allowed_console_errors.append("status of 4")  # revisited error pages
        page.allowed_console_errors.append("status of 5")
        _axe_every_visited_page(page, base_url, list(page.visited))
    unexpected = [
        text
        for text in page.console_errors
        if not any(allowed in text for allowed in page.allowed_console_errors)
    ]
    assert unexpected == [], f"console errors: {unexpected}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report


@pytest.fixture
def page(browser, request, portal):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = new_page(context, request, portal.url)
    yield page
    try:
        finish_page(page, request, portal.url, request.node.name)
    finally:
        context.close()


@pytest.fixture
def phone(browser, request, portal):
    """A phone-width page (390 x 844, touch), checked like `page`."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = new_page(context, request, portal.url)
    yield page
    try:
        finish_page(page, request, portal.url, f"{request.node.name}-phone")
    finally:
        context.close()


def signed_in(page, base_url: str, zoho, email: str, org_zgid: str | None = None):
    """`page`'s browser signed in as `email` without the sign-in flow: a connection minted
    straight into the emulator and the database (`tests.conftest.connect_straight`), its
    session cookie given to the browser. For every browser test that is not about sign-in
    (those click through `sign_in_with_zoho`)."""
    from django.conf import settings
    from django.test import Client

    from tests.conftest import connect_straight

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

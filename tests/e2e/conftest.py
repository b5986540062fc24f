"""Browser tests: Playwright driving Debian's Chromium against live_server and the emulator.

With CI=true a missing browser fails the run; locally the tests skip and say how to install it.
Every page's console errors fail the test, and so does a serious or critical axe-core
violation on any kind of portal page the test visited; a screenshot of each test's last page
is saved under test-results/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.e2e.browser import ARTIFACTS, axe_every_visited_page

# Playwright's sync API runs an event loop on the test thread; the ORM calls made by fixtures
# there are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
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
        axe_every_visited_page(page, base_url, list(page.visited))
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

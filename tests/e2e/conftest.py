"""Browser tests: Playwright driving Debian's Chromium against live_server and the emulator.

With CI=true a missing browser fails the run; locally the tests skip and say how to install it.
Every page's console errors fail the test; a screenshot of each test's last page is saved
under test-results/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

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


@pytest.fixture
def page(browser, request, portal):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    console_errors: list[str] = []
    # A test that expects an error page (e.g. 403 after denied consent) lists its text here.
    page.allowed_console_errors = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    page.set_default_timeout(15000)
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    except Exception:  # noqa: BLE001, S110 - a screenshot is only an artifact
        pass
    context.close()
    unexpected = [
        text
        for text in console_errors
        if not any(allowed in text for allowed in page.allowed_console_errors)
    ]
    assert unexpected == [], f"console errors: {unexpected}"


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

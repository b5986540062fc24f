"""pytest fixtures: a session-wide emulator server and a per-test, freshly reset handle on it.

Load with ``pytest_plugins = ["zoho_emulator.pytest_plugin"]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from . import urls
from .app import Emulator
from .client import EmulatorClient
from .server import EmulatorServer

TEST_CLIENT_ID = "1000.TESTCLIENT"
TEST_CLIENT_SECRET = "test-client-secret"
TEST_REDIRECT_URI = "http://testserver/accounts/callback/"


@dataclass
class EmulatorHandle:
    url: str
    app: Emulator
    client: EmulatorClient
    server: EmulatorServer

    client_id: str = TEST_CLIENT_ID
    client_secret: str = TEST_CLIENT_SECRET
    redirect_uri: str = TEST_REDIRECT_URI

    def accounts_server(self, dc: str) -> str:
        return urls.accounts_server(self.url, dc)

    def api_domain(self, dc: str) -> str:
        return urls.api_domain(self.url, dc)

    def token_url(self, dc: str) -> str:
        return urls.token_url(self.url, dc)

    def revoke_url(self, dc: str) -> str:
        return urls.revoke_url(self.url, dc)

    def auth_url(self, dc: str = "us") -> str:
        return urls.auth_url(self.url, dc)

    def crm_url(self, dc: str, path: str = "") -> str:
        return urls.crm_url(self.url, dc, path)

    def issue_tokens(self, email: str, *, scopes, org: str | None = None) -> dict:
        """Tokens for `email` without a sign-in (`Emulator.issue_tokens`)."""
        return self.app.issue_tokens(email, scopes=scopes, org=org, client_id=self.client_id)

    def client_secret_for(self, dc: str) -> str:
        """The secret ``dc``'s token endpoint expects right now."""
        return self.app.client_secret_for(dc)


@pytest.fixture(scope="session")
def emulator_server():
    app = Emulator(
        client_id=TEST_CLIENT_ID,
        client_secret=TEST_CLIENT_SECRET,
        redirect_uris=[TEST_REDIRECT_URI],
        public_url=None,
    )
    server = EmulatorServer(app, host="127.0.0.1", port=0).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def emulator(emulator_server):
    app = emulator_server.emulator
    app.reset()
    return EmulatorHandle(
        url=emulator_server.url,
        app=app,
        client=EmulatorClient(emulator_server.url),
        server=emulator_server,
    )

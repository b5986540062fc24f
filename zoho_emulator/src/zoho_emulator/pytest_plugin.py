"""pytest fixtures: a session-wide emulator server and a per-test, freshly reset handle on it.

Loaded by the package's pytest11 entry point (or ``pytest_plugins =
["zoho_emulator.pytest_plugin"]``). The emulator knows one OAuth client, ``emulator_oauth_client``
(a session fixture): a neutral test client by default; a project overrides the fixture in its
conftest to make the emulator know its own client id, secret and redirect URI.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from . import urls
from .app import Emulator
from .client import EmulatorClient
from .server import EmulatorServer


@dataclass(frozen=True)
class OAuthClient:
    """The client the emulator knows: id, secret and its one redirect URI (exact match)."""

    client_id: str = "1000.EMULATORTESTCLIENT"
    client_secret: str = "emulator-test-client-secret"
    redirect_uri: str = "http://127.0.0.1/oauth/callback"


@dataclass
class EmulatorHandle:
    url: str
    app: Emulator
    client: EmulatorClient
    server: EmulatorServer
    oauth_client: OAuthClient

    @property
    def client_id(self) -> str:
        return self.oauth_client.client_id

    @property
    def client_secret(self) -> str:
        return self.oauth_client.client_secret

    @property
    def redirect_uri(self) -> str:
        return self.oauth_client.redirect_uri

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
def emulator_oauth_client() -> OAuthClient:
    """The client the emulator knows; override it (session scope) to give your own."""
    return OAuthClient()


def _configure(app: Emulator, oauth_client: OAuthClient) -> None:
    app.configure_client(
        client_id=oauth_client.client_id,
        client_secret=oauth_client.client_secret,
        redirect_uris=[oauth_client.redirect_uri],
    )


@pytest.fixture(scope="session")
def emulator_server(emulator_oauth_client):
    app = Emulator(public_url=None)
    _configure(app, emulator_oauth_client)
    server = EmulatorServer(app, host="127.0.0.1", port=0).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def emulator(emulator_server, emulator_oauth_client):
    """The session's emulator, reset, knowing ``emulator_oauth_client`` (set again for every
    test: the server is shared by the session, and a folder may override the client)."""
    app = emulator_server.emulator
    app.reset()
    _configure(app, emulator_oauth_client)
    return EmulatorHandle(
        url=emulator_server.url,
        app=app,
        client=EmulatorClient(emulator_server.url),
        server=emulator_server,
        oauth_client=emulator_oauth_client,
    )

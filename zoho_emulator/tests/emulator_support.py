"""What the emulator's own tests share: demo directory facts, a raw-HTTP helper and an SDK
sign-in. (This folder is not a package: pytest puts it on ``sys.path``, so the tests import
this module by its name; the root ``tests`` package of a project that runs these too does not
clash with it.)"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests
from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
from zohocrmsdk.src.com.zoho.api.authenticator.store.file_store import FileStore
from zohocrmsdk.src.com.zoho.crm.api.dc.data_center import DataCenter
from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer

# What a full-featured client asks for: records, users, org, the metadata it reads, and
# search (v8 "Search Records" needs ZohoSearch.securesearch.READ besides the module scope).
FULL_SCOPE = (
    "ZohoCRM.modules.ALL,ZohoCRM.users.READ,ZohoCRM.org.READ,"
    "ZohoCRM.settings.fields.READ,ZohoCRM.settings.modules.READ,"
    "ZohoCRM.settings.layouts.READ,ZohoCRM.settings.related_lists.READ,"
    "ZohoSearch.securesearch.READ,ZohoCRM.coql.READ"
)

# Demo directory facts the tests rely on (see zoho_emulator/README.md).
PATRICIA = "patricia.boyle@zylker-traders.com"  # us, two orgs
MARCUS = "marcus.webb@zylker-traders.com"  # us, same first org as Patricia
SOFIA = "sofia.lindqvist@nordwind-logistik.de"  # eu
ARJUN = "arjun.mehta@kaveritextiles.in"  # in
OLIVIA = "olivia.chen@banksiasolar.com.au"  # au
DANA = "dana.ortiz@zylker-traders.com"  # us, Zylker Traders, restricted profile
ELENA = "elena.vasquez@zylker-traders.com"  # us, Zylker Traders, Administrator like Patricia
JONAS = "jonas.becker@nordwind-logistik.de"  # eu, Nordwind, restricted profile
HARRIET = "harriet.ashworth@thamesgate-wholesale.co.uk"  # uk
TOM = "tom.okonkwo@thamesgate-wholesale.co.uk"  # uk
ZYLKER_TRADERS = "720019234"
THAMESGATE = "90051762213"  # uk
ZYLKER_LABS = "720019877"


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


class Zoho:
    """Raw-HTTP helper around one emulator (a requests.Session per helper)."""

    def __init__(self, emulator):
        self.emu = emulator
        self.http = requests.Session()

    def exchange(self, code: str, dc: str, redirect_uri: str | None = None, **overrides) -> dict:
        form = {
            "grant_type": "authorization_code",
            "client_id": self.emu.client_id,
            "client_secret": self.emu.client_secret_for(dc),
            "code": code,
        }
        if redirect_uri:
            form["redirect_uri"] = redirect_uri
        form.update(overrides)
        resp = self.http.post(self.emu.token_url(dc), data=form)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def tokens(self, email: str, dc: str, scope: str = FULL_SCOPE, org: str | None = None) -> dict:
        """Self-client code + exchange: a fresh access/refresh token pair for ``email``."""
        code = self.emu.client.self_client_code(email, dc, scope, org=org)
        body = self.exchange(code, dc)
        assert "access_token" in body, body
        return body

    def refresh(self, refresh_token: str, dc: str, **overrides) -> dict:
        form = {
            "grant_type": "refresh_token",
            "client_id": self.emu.client_id,
            "client_secret": self.emu.client_secret_for(dc),
            "refresh_token": refresh_token,
        }
        form.update(overrides)
        resp = self.http.post(self.emu.token_url(dc), data=form)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def api(self, method: str, dc: str, path: str, token: str | None, **kw) -> requests.Response:
        headers = kw.pop("headers", {})
        if token is not None:
            headers["Authorization"] = f"Zoho-oauthtoken {token}"
        return self.http.request(
            method, f"{self.emu.api_domain(dc)}/crm/v8/{path}", headers=headers, **kw
        )


def sdk_login(emulator, tmp_path, email, dc, org=None, scope=FULL_SCOPE):
    """Consent in the browser flow, then hand the code to the SDK exactly as an app would."""
    params = {
        "client_id": emulator.client_id,
        "response_type": "code",
        "redirect_uri": emulator.redirect_uri,
        "scope": scope,
        "state": "s",
        "access_type": "offline",
    }
    q = query_of(emulator.client.authorize(params, email=email, org=org))
    assert q["location"] == dc
    api = emulator.api_domain(dc)
    store = FileStore(str(tmp_path / "tokens.csv"))
    Initializer.initialize(
        environment=DataCenter.Environment(api, emulator.token_url(dc), api),
        token=OAuthToken(
            client_id=emulator.client_id,
            client_secret=emulator.client_secret,
            grant_token=q["code"],
            redirect_url=emulator.redirect_uri,
        ),
        store=store,
        resource_path=str(tmp_path),
    )
    return store

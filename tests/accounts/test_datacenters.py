import pytest

from accounts import datacenters


def test_every_dc_maps_to_zohos_own_servers(settings):
    settings.ZOHO_EMULATOR_URL = ""
    eu = datacenters.get("eu")
    assert eu.accounts_server == "https://accounts.zoho.eu"
    assert eu.api_domain == "https://www.zohoapis.eu"
    assert eu.token_url == "https://accounts.zoho.eu/oauth/v2/token"
    assert datacenters.get("ca").accounts_server == "https://accounts.zohocloud.ca"
    assert set(datacenters.KEYS) == {"us", "eu", "in", "au", "jp", "ca", "sa", "cn"}


def test_emulator_url_redirects_every_dc(settings):
    settings.ZOHO_EMULATOR_URL = "http://127.0.0.1:9999"
    for key in datacenters.KEYS:
        dc = datacenters.get(key)
        assert dc.accounts_server == f"http://127.0.0.1:9999/accounts/{key}"
        assert dc.api_domain == f"http://127.0.0.1:9999/api/{key}"


def test_unknown_key_is_refused():
    with pytest.raises(datacenters.UnknownDataCenter):
        datacenters.get("xx")


@pytest.mark.parametrize(
    ("location", "server"),
    [
        ("eu", "https://evil.example"),
        ("eu", "https://accounts.zoho.eu.evil.example"),
        ("eu", "http://accounts.zoho.eu"),
        ("eu", "https://accounts.zoho.eu@evil.example"),
        ("eu", "https://accounts.zoho.eu/"),
        ("eu", "https://accounts.zoho.eu/oauth"),
        ("eu", "https://accounts.zoho.com"),  # a mismatched pair
        ("eu", "HTTPS://ACCOUNTS.ZOHO.EU"),
        ("eu", None),
        ("xx", "https://accounts.zoho.eu"),
        ("", "https://accounts.zoho.com"),
        (None, None),
    ],
)
def test_callback_mix_up_defence_needs_exact_accounts_server(settings, location, server):
    settings.ZOHO_EMULATOR_URL = ""
    with pytest.raises(datacenters.UnknownDataCenter):
        datacenters.for_callback(location, server)


def test_callback_accepts_the_tables_own_pair(settings):
    settings.ZOHO_EMULATOR_URL = ""
    assert datacenters.for_callback("au", "https://accounts.zoho.com.au").key == "au"

import pytest

from zoho import datacenters


def test_every_dc_maps_to_zohos_own_servers(settings):
    settings.ZOHO_EMULATOR_URL = ""
    eu = datacenters.get("eu")
    assert eu.accounts_server == "https://accounts.zoho.eu"
    assert eu.api_domain == "https://www.zohoapis.eu"
    assert eu.token_url == "https://accounts.zoho.eu/oauth/v2/token"
    assert datacenters.get("ca").accounts_server == "https://accounts.zohocloud.ca"
    uk = datacenters.get("uk")
    assert (uk.label, uk.accounts_server) == ("United Kingdom", "https://accounts.zoho.uk")
    assert uk.api_domain == "https://www.zohoapis.uk"
    # Every data center of Zoho's multi-DC page, UK included.
    assert set(datacenters.keys()) == {"us", "eu", "in", "au", "jp", "ca", "sa", "uk", "cn"}


def test_emulator_url_redirects_every_dc(settings):
    settings.ZOHO_EMULATOR_URL = "http://127.0.0.1:9999"
    for key in datacenters.keys():
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


def test_an_operator_adds_a_data_center_by_setting(settings):
    settings.ZOHO_EMULATOR_URL = ""
    settings.ZOHO_EXTRA_DATA_CENTERS = {
        "xx": ("Newland", "https://accounts.zoho.xx", "https://www.zohoapis.xx")
    }
    assert "xx" in datacenters.keys()
    xx = datacenters.for_callback("xx", "https://accounts.zoho.xx")
    assert xx.token_url == "https://accounts.zoho.xx/oauth/v2/token"
    assert datacenters.for_api_domain("https://www.zohoapis.xx") == xx
    assert ("xx", "XX (Newland)") in datacenters.choices()


def test_a_china_deployment_signs_in_at_its_own_accounts_server(settings):
    settings.ZOHO_EMULATOR_URL = ""
    settings.ZOHO_DATA_CENTERS = ["cn"]
    settings.ZOHO_SIGN_IN_DC = "cn"
    assert datacenters.sign_in_data_center().authorize_url == (
        "https://accounts.zoho.com.cn/oauth/v2/auth"
    )
    assert datacenters.keys() == ("cn",)
    # A callback naming another Zoho's data center is refused, however well formed.
    with pytest.raises(datacenters.UnknownDataCenter):
        datacenters.for_callback("us", "https://accounts.zoho.com")


def test_per_dc_client_secrets_override_the_default(settings):
    settings.ZOHO_CLIENT_SECRET = "default-secret"
    settings.ZOHO_CLIENT_SECRETS = {"uk": "uk-secret"}
    assert datacenters.client_secret_for("uk") == "uk-secret"
    assert datacenters.client_secret_for("eu") == "default-secret"


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("ZOHO_CLIENT_SECRETS", {"zz": "s"}, "ZOHO_CLIENT_SECRETS"),
        ("ZOHO_DATA_CENTERS", ["us", "zz"], "ZOHO_DATA_CENTERS"),
        ("ZOHO_SIGN_IN_DC", "zz", "ZOHO_SIGN_IN_DC"),
    ],
)
def test_settings_naming_an_unknown_data_center_stop_start_up(settings, setting, value, named):
    from django.core.exceptions import ImproperlyConfigured

    setattr(settings, setting, value)
    with pytest.raises(ImproperlyConfigured, match=named):
        datacenters.check_configuration()


def test_a_sign_in_data_center_outside_the_allowed_ones_stops_start_up(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.ZOHO_DATA_CENTERS = ["cn"]
    settings.ZOHO_SIGN_IN_DC = "us"
    with pytest.raises(ImproperlyConfigured, match="ZOHO_SIGN_IN_DC"):
        datacenters.check_configuration()

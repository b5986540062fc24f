"""zoho_refresh_tokens, zoho_tokens, zoho_revoke: options, output, exit status."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import PendingRevocation, ZohoConnection
from tests.helpers import refresh_calls

pytestmark = pytest.mark.django_db(transaction=True)


def _secrets(rows) -> list[str]:
    found = []
    for row in ZohoConnection.objects.filter(pk__in=[r.pk for r in rows]):
        found += [row.refresh_token, row.access_token]
        found += [row.refresh_token_encrypted, row.access_token_encrypted]
    return [secret for secret in found if secret]


def test_refresh_tokens_prints_a_summary_and_exits_zero(zoho, connections, capsys):
    connections(2)
    connections(1, expires_in=timedelta(minutes=45))
    call_command("zoho_refresh_tokens")
    out = capsys.readouterr().out
    assert "2 due: refreshed 2, skipped 0, throttled 0, failed 0, needing re-consent 0" in out
    assert refresh_calls(zoho) == 2


def test_refresh_tokens_options_narrow_the_run(zoho, connections, capsys):
    us = connections(1, expires_in=timedelta(minutes=20))
    eu = connections(1, dc="eu", expires_in=timedelta(minutes=20))
    call_command("zoho_refresh_tokens", "--ahead", "30", "--dc", "eu", "--json")
    report = json.loads(capsys.readouterr().out)
    assert [c["connection_id"] for c in report["connections"]] == [eu[0].pk]
    call_command("zoho_refresh_tokens", "--all", "--email", us[0].email, "--json")
    report = json.loads(capsys.readouterr().out)
    assert [(c["connection_id"], c["outcome"]) for c in report["connections"]] == [
        (us[0].pk, "refreshed")
    ]


def test_refresh_tokens_json_report_has_counts_and_no_token(zoho, connections, capsys):
    rows = connections(3)
    call_command("zoho_refresh_tokens", "--json", "--workers", "2")
    out = capsys.readouterr().out
    report = json.loads(out)
    assert report["counts"]["refreshed"] == 3 and report["total"] == 3
    assert {c["outcome"] for c in report["connections"]} == {"refreshed"}
    for secret in _secrets(rows):
        assert secret not in out


def test_dry_run_lists_and_calls_nothing(zoho, connections, capsys):
    rows = connections(2)
    call_command("zoho_refresh_tokens", "--dry-run")
    out = capsys.readouterr().out
    assert "Dry run: 2 connection(s) due; nothing called." in out
    assert f"#{rows[0].pk} {rows[0].email}" in out
    assert refresh_calls(zoho) == 0


def test_throttled_run_exits_zero_and_reports_throttled(zoho, connections, capsys):
    row = connections(1)[0]
    zoho.client.add_fault(path="/accounts/us/oauth/v2/token", error="throttle")
    call_command("zoho_refresh_tokens")
    out = capsys.readouterr().out
    assert "throttled 1, failed 0" in out
    assert f"throttled        #{row.pk}" in out
    row.refresh_from_db()
    assert row.status == ZohoConnection.Status.ACTIVE and row.refresh_not_before


def test_revoked_grant_exits_zero_and_needs_reconsent(zoho, connections, capsys):
    row = connections(1)[0]
    state = zoho.app.state
    with state.lock:
        state.revoke_refresh(state.refresh_tokens[row.refresh_token])
    call_command("zoho_refresh_tokens", "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["counts"]["needs_reconsent"] == 1
    row.refresh_from_db()
    assert row.status == ZohoConnection.Status.NEEDS_RECONSENT


def test_unreachable_zoho_fails_the_command(zoho, connections, capsys):
    connections(2)
    zoho.client.add_fault(path="/accounts/us/oauth/v2/token", status=502, count=1)
    with pytest.raises(CommandError, match="1 connection\\(s\\) could not be refreshed") as caught:
        call_command("zoho_refresh_tokens")
    assert caught.value.returncode == 1
    assert "refreshed 1, skipped 0, throttled 0, failed 1" in capsys.readouterr().out


def test_unreachable_host_fails_the_command(zoho, connections, settings, capsys):
    connections(1)
    settings.ZOHO_EMULATOR_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    with pytest.raises(CommandError):
        call_command("zoho_refresh_tokens", "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["counts"]["failed"] == 1
    assert report["connections"][0]["reason"].startswith("ConnectionError")


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--workers", "0", "must be from 1 to 64"),
        ("--workers", "100000", "must be from 1 to 64"),
        ("--ahead", "-5", "must be from 0 to 525600"),
        ("--ahead", "9" * 30, "--all refreshes every one"),
        ("--ahead", "ten", "'ten' is not a whole number"),
    ],
)
def test_bad_numbers_are_refused_clearly(zoho, option, value, message):
    with pytest.raises(CommandError, match=message):
        call_command("zoho_refresh_tokens", option, value)


def test_a_bad_option_exits_2_without_a_traceback():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "manage.py", "zoho_refresh_tokens", "--ahead", "9" * 30],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "must be from 0 to 525600" in done.stderr
    assert "Traceback" not in done.stderr


def test_zoho_tokens_lists_status_and_expiry_never_a_token(zoho, connections, capsys):
    rows = connections(2) + connections(1, dc="eu", expires_in=timedelta(minutes=30))
    call_command("zoho_tokens")
    out = capsys.readouterr().out
    assert "3 connection(s)." in out
    assert "expired" in out and "expires in 29 min" in out
    assert rows[0].email in out
    call_command("zoho_tokens", "--json", "--dc", "eu")
    listed = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["dc"], r["status"]) for r in listed] == [(rows[2].pk, "eu", "active")]
    call_command("zoho_tokens", "--json")
    out += capsys.readouterr().out
    for secret in _secrets(rows):
        assert secret not in out


def test_zoho_revoke_by_id_with_yes(zoho, connections, capsys):
    row = connections(1)[0]
    call_command("zoho_revoke", "--id", str(row.pk), "--yes")
    assert "Revoked and disconnected" in capsys.readouterr().out
    assert not ZohoConnection.objects.filter(pk=row.pk).exists()
    assert zoho.client.stats()["revoke_calls"] == 1


def test_zoho_revoke_asks_and_a_no_changes_nothing(zoho, connections, monkeypatch, capsys):
    row = connections(1)[0]
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    call_command("zoho_revoke", "--id", str(row.pk))
    assert "Nothing was changed." in capsys.readouterr().out
    assert ZohoConnection.objects.filter(pk=row.pk).exists()
    assert zoho.client.stats()["revoke_calls"] == 0


def test_zoho_revoke_by_email_and_org_after_a_yes(zoho, connections, monkeypatch):
    row = connections(1)[0]
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    call_command("zoho_revoke", "--email", row.email, "--org", row.org.zgid)
    assert not ZohoConnection.objects.filter(pk=row.pk).exists()


def test_zoho_revoke_queues_the_revocation_when_zoho_cannot_revoke(zoho, connections, capsys):
    row = connections(1)[0]
    zoho.client.add_fault(path="/accounts/us/oauth/v2/token/revoke", status=503)
    call_command("zoho_revoke", "--id", str(row.pk), "--yes")
    assert "the revocation is queued" in capsys.readouterr().out
    assert not ZohoConnection.objects.filter(pk=row.pk).exists()
    assert PendingRevocation.objects.get().token == row.refresh_token


@pytest.mark.parametrize(
    "args",
    [["--id", "999999", "--yes"], ["--email", "nobody@example.com", "--org", "1"], []],
)
def test_zoho_revoke_needs_exactly_one_connection(zoho, db, args):
    with pytest.raises(CommandError):
        call_command("zoho_revoke", *args)


def test_refresh_tokens_json_reports_are_json_lines(zoho, connections, capsys):
    connections(2)
    call_command("zoho_refresh_tokens", "--json", "--all")
    call_command("zoho_refresh_tokens", "--json", "--all")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2  # one object per run, one line each: refresh.jsonl
    assert [json.loads(line)["total"] for line in lines] == [2, 2]

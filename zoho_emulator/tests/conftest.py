"""Fixtures for the emulator's own tests (the emulator fixtures come from
zoho_emulator.pytest_plugin; shared helpers live in emulator_support.py)."""

from __future__ import annotations

import pytest
from emulator_support import Zoho


@pytest.fixture
def zoho_http(emulator):
    helper = Zoho(emulator)
    yield helper
    helper.http.close()

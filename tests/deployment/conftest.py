"""Fixtures of the deployment tests."""

from __future__ import annotations

import io
import logging

import pytest


@pytest.fixture
def console_lines():
    """What the configured console handler writes, as lines."""
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "name", "") == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield lambda: stream.getvalue().splitlines()
    finally:
        handler.setStream(previous)

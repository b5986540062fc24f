"""Standalone (stdlib-only) emulator of Zoho Accounts OAuth 2.0 and the Zoho CRM v8 REST API.

See README.md in this package for URLs, demo users, endpoints, limits and fault injection.
"""

from .app import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator
from .client import EmulatorClient, EmulatorError
from .server import EmulatorServer

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "Emulator",
    "EmulatorClient",
    "EmulatorError",
    "EmulatorServer",
]

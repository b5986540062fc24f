"""The accounts app's write paths, by job: `sign_in` (state, PKCE, the callback, the explicit
path), `connections` (registration, disconnect, the active connection, key rotation) and
`errors`. Reads are in `accounts.selectors`. The names below are the package's interface."""

from accounts.selectors import SESSION_ACTIVE_KEY
from accounts.services.connections import (
    DisconnectError,
    SignInResult,
    connection_disconnect,
    connection_register,
    connections_reencrypt,
    owner_for,
    session_activate,
    zoho_account_lock_key,
)
from accounts.services.errors import (
    AccessDenied,
    InvalidState,
    SignInError,
    UnknownDataCenterError,
    ZohoRefused,
)
from accounts.services.sign_in import (
    MAX_PENDING_SIGN_INS,
    SESSION_OAUTH_KEY,
    PendingSignIn,
    connection_add_explicit,
    safe_next_url,
    sign_in_complete,
    sign_in_consume_state,
    sign_in_start,
)

__all__ = [
    "MAX_PENDING_SIGN_INS",
    "SESSION_ACTIVE_KEY",
    "SESSION_OAUTH_KEY",
    "AccessDenied",
    "DisconnectError",
    "InvalidState",
    "PendingSignIn",
    "SignInError",
    "SignInResult",
    "UnknownDataCenterError",
    "ZohoRefused",
    "connection_add_explicit",
    "connection_disconnect",
    "connection_register",
    "connections_reencrypt",
    "owner_for",
    "safe_next_url",
    "session_activate",
    "sign_in_complete",
    "sign_in_consume_state",
    "sign_in_start",
    "zoho_account_lock_key",
]

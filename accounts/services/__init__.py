"""The accounts app's write paths, by job: `sign_in` (state, PKCE, the callback, the explicit
path), `connections` (registration, disconnect, the active connection, operators' actions,
key rotation), `bulk_refresh` (every due access token), `revocations` (the durable
revocation queue), `housekeeping` (`zoho_housekeeping`) and `errors`. Reads are in
`accounts.selectors`; one connection's refresh and activation, which every Zoho call needs,
are `accounts.refresh` and `accounts.activation`, below the services. The names below are
the package's interface (`revocations` and `housekeeping` are used as modules)."""

from accounts.selectors import SESSION_ACTIVE_KEY
from accounts.services.bulk_refresh import (
    DEFAULT_WORKERS,
    Outcome,
    RefreshReport,
    RefreshResult,
    connection_refresh_claimed,
    connection_refresh_now,
    tokens_refresh_due,
)
from accounts.services.connections import (
    BackfillReport,
    SignInResult,
    connection_disconnect,
    connection_mark_needs_reconsent,
    connection_register,
    connection_revoke_and_disconnect,
    connections_backfill_account_ids,
    connections_reencrypt,
    owner_for,
    session_activate,
    zoho_account_lock_key,
)
from accounts.services.errors import (
    AccessDenied,
    ConsentNeeded,
    DisconnectError,
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
    "DEFAULT_WORKERS",
    "MAX_PENDING_SIGN_INS",
    "SESSION_ACTIVE_KEY",
    "SESSION_OAUTH_KEY",
    "AccessDenied",
    "BackfillReport",
    "ConsentNeeded",
    "DisconnectError",
    "InvalidState",
    "Outcome",
    "PendingSignIn",
    "RefreshReport",
    "RefreshResult",
    "SignInError",
    "SignInResult",
    "UnknownDataCenterError",
    "ZohoRefused",
    "connection_add_explicit",
    "connection_disconnect",
    "connection_mark_needs_reconsent",
    "connection_refresh_claimed",
    "connection_refresh_now",
    "connection_register",
    "connection_revoke_and_disconnect",
    "connections_backfill_account_ids",
    "connections_reencrypt",
    "owner_for",
    "safe_next_url",
    "session_activate",
    "sign_in_complete",
    "sign_in_consume_state",
    "sign_in_start",
    "tokens_refresh_due",
    "zoho_account_lock_key",
]

"""What the first page after a sign-in needs, asked of Zoho in the sign-in's own round trip.

The callback waits one round trip for Zoho to say who signed in (users and org, asked at
once: `zoho.identity.identify`). The page it redirects to (the dashboard) then needs the org's
module list as this profile sees it, a round trip more the first time an org and profile is
seen. A *prefetch* registered here (crm registers the module list in `crm.apps`: accounts
never imports crm) is asked in the sign-in's round trip instead, in its SDK block, at the
same time as users and org, and kept under the connection's metadata scope
(`zoho.metadata_scope`) once Zoho has said whose org and profile it is and the connection is
stored.

Only Zoho's answer says whose org and profile it is, so whether the shared cache already
holds theirs cannot be checked before asking. The portal goes by the orgs and profiles of
the data center's recent sign-ins (the last `RECENT`, kept in the shared cache for the
metadata's TTL): when the cache holds it for every one of them, the person is most likely
of one of those and nothing is asked (a second user of an org and profile pays no call);
when it lacks one, or nobody signed in lately, it is asked. A wrong guess costs one call
(a credit, for someone whose org and profile turn out to be cached) or the round trip this
saves, never a wrong answer: what is kept goes under the scope Zoho's own answer names.
`ZOHO_WARM_UP_AFTER_SIGN_IN=false` turns it off with the warm-up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.conf import settings

from accounts.models import ZohoConnection
from core.cache import cache_get, cache_set
from zoho import metadata_scope

logger = logging.getLogger("zohoportal.accounts")

RECENT = 8  # the data center's last sign-ins whose org and profile the guess looks at


@dataclass(frozen=True)
class Prefetch:
    """One thing to ask with the sign-in's identity calls."""

    name: str
    # Inside the sign-in's SDK block (no connection yet): Zoho's answer, as plain data.
    fetch: Callable[[], object]
    # Whether the shared cache holds it for every one of these metadata scopes.
    held: Callable[[Sequence[str]], bool]
    # Keep an answer for the (just stored) connection's org and profile.
    keep: Callable[[ZohoConnection, object], None]


_registered: dict[str, Prefetch] = {}


def register(prefetch: Prefetch) -> None:
    """Ask `prefetch` with every sign-in's identity calls (once per name; apps' `ready`)."""
    _registered[prefetch.name] = prefetch


@dataclass
class Pending:
    """The prefetches one sign-in asks, and Zoho's answers to them."""

    wanted: tuple[Prefetch, ...]
    answers: dict[str, object] = field(default_factory=dict)

    def fetch(self) -> None:
        """Ask each (run alongside users and org, in the sign-in's SDK block); a failure
        only leaves the page to ask itself."""
        for prefetch in self.wanted:
            try:
                self.answers[prefetch.name] = prefetch.fetch()
            except Exception as error:  # noqa: BLE001 - the page asks again; never the sign-in's
                logger.info("prefetch %s at sign-in failed (%s)", prefetch.name, error)

    def keep(self, connection: ZohoConnection) -> None:
        """Keep the answers under the connection's org and profile."""
        for prefetch in self.wanted:
            if prefetch.name not in self.answers:
                continue
            try:
                prefetch.keep(connection, self.answers[prefetch.name])
            except Exception:  # noqa: BLE001 - not kept: the page asks again
                logger.warning("prefetch %s at sign-in not kept", prefetch.name, exc_info=True)


def sign_in_prefetch_begin(data_center: str) -> Pending | None:
    """What a sign-in in `data_center` should ask with its identity calls, or None."""
    if not settings.ZOHO_WARM_UP_AFTER_SIGN_IN or not _registered:
        return None
    scopes = _recent_scopes(data_center)
    wanted = tuple(p for p in _registered.values() if not scopes or not p.held(scopes))
    return Pending(wanted) if wanted else None


def sign_in_remember(connection: ZohoConnection) -> None:
    """Count the connection's org and profile among the data center's recent sign-ins."""
    if not settings.ZOHO_WARM_UP_AFTER_SIGN_IN:
        return
    whose = [connection.org.zgid, connection.zoho_profile_id, connection.zoho_user_id]
    recent = [entry for entry in _recent(connection.data_center) if entry != whose]
    cache_set(_recent_key(connection.data_center), [whose, *recent][:RECENT], metadata_scope.ttl())


def _recent_key(data_center: str) -> str:
    return f"zoho-sign-ins:{data_center}"


def _recent(data_center: str) -> list[list[str]]:
    found = cache_get(_recent_key(data_center))
    if not isinstance(found, list):
        return []
    return [e for e in found if isinstance(e, list) and len(e) == 3][:RECENT]


def _recent_scopes(data_center: str) -> list[str]:
    return [
        metadata_scope.scope(
            data_center=data_center, zgid=zgid, profile_id=profile_id, zoho_user_id=user_id
        )
        for zgid, profile_id, user_id in _recent(data_center)
    ]

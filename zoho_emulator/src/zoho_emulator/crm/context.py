"""Per-request context, scopes and small parameter helpers shared by the CRM handlers."""

from __future__ import annotations

from datetime import UTC, datetime

from .. import seed
from ..web import Request
from .errors import invalid_param, no_permission

MAX_WRITE = 100
MAX_PER_PAGE = 200
MAX_FIELDS = 50

MODULE_OPS = {"GET": "READ", "POST": "CREATE", "PUT": "UPDATE", "DELETE": "DELETE"}


def _scope_set(scopes) -> set[str]:
    return {s.lower() for s in scopes}


def has_scope(scopes, *wanted: str) -> bool:
    have = _scope_set(scopes)
    return any(w.lower() in have for w in wanted)


def module_scope_ok(scopes, module_lower: str, op: str) -> bool:
    candidates = [
        "ZohoCRM.modules.ALL",
        f"ZohoCRM.modules.{op}",
        f"ZohoCRM.modules.{module_lower}.ALL",
        f"ZohoCRM.modules.{module_lower}.{op}",
    ]
    if op in ("CREATE", "UPDATE"):
        candidates += ["ZohoCRM.modules.WRITE", f"ZohoCRM.modules.{module_lower}.WRITE"]
    return has_scope(scopes, *candidates)


# ------------------------------------------------------------------------------ helpers


class Ctx:
    """Per-request context: the emulator, the token and the org's data."""

    def __init__(self, emu, at, req: Request):
        self.emu = emu
        self.at = at
        self.req = req
        self.org_data = emu.state.orgs[at.zgid]
        self.org = self.org_data.org
        self.schema = self.org_data.schema
        self.user = next(u for u in seed.USERS if u.email == at.email)

    @property
    def profile(self) -> seed.Profile:
        return seed.PROFILES[self.user.profile]

    def denied(self, module: str, op: str):
        """A 403 NO_PERMISSION answer when the user's profile may not do ``op`` on
        ``module`` (READ, CREATE, UPDATE, DELETE), else ``None``."""
        profile = self.profile
        if module in profile.denied or (op != "READ" and module in profile.read_only):
            verb = {"READ": "View", "CREATE": "Create", "UPDATE": "Edit", "DELETE": "Delete"}[op]
            return no_permission([f"Crm_Implied_{verb}_{module}"])
        return None

    def module_access(self, mod) -> dict:
        """The user's rights on a module, as ``settings/modules`` reports them: a module the
        profile may not see is listed with everything false."""
        profile = self.profile
        viewable = mod.api_name not in profile.denied
        writable = (
            viewable
            and mod.api_supported
            and mod.creatable
            and mod.api_name not in profile.read_only
        )
        return {
            "viewable": viewable,
            "creatable": writable,
            "editable": writable,
            "deletable": writable,
        }

    @property
    def user_ref(self) -> dict:
        return {
            "name": self.user.full_name,
            "id": self.user.crm_ids[self.org.zgid],
            "email": self.user.email,
        }

    def now(self) -> str:
        return seed.format_time(datetime.now(UTC), self.org.tz_offset)


def int_param(req: Request, name: str, default: int, maximum: int | None = None):
    raw = req.arg(name)
    if raw is None or raw == "":
        return default, None
    try:
        value = int(raw)
    except ValueError:
        return None, invalid_param(name)
    if value < 1:
        return None, invalid_param(name)
    if maximum is not None and value > maximum:
        return None, invalid_param(name, maximum_length=maximum)
    return value, None

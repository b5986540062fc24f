"""Zoho CRM v8 REST API: the URL table (``router``) and one module per area.

- ``router``: path -> handler table, token and scope checks
- ``users``: ``users``, ``org``
- ``metadata``: ``settings/modules``, ``settings/fields``
- ``records``: list, get, create, update, delete
- ``record_state``: locked records and records awaiting approval (and their control plane)
- ``search``: ``{Module}/search``
- ``errors``: Zoho-shaped error answers; ``context``: the per-request context
"""

from .errors import crm_error, invalid_url
from .router import ROUTES, handle

__all__ = ["ROUTES", "crm_error", "handle", "invalid_url"]

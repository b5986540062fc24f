"""What the tests read of the SDK's thread-local state (the portal itself never needs to)."""

from __future__ import annotations

from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer


def sdk_thread_state() -> object | None:
    """The SDK's thread-local initializer: None outside `zoho.sdk.switched`."""
    return getattr(Initializer.LOCAL, "init", None)

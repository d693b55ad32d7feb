"""The call records pages (being built)."""

from switchctl.portal.call_records.views import blueprint

__all__ = ["blueprint"]

"""The conferences pages (being built)."""

from switchctl.portal.conferences.views import blueprint

__all__ = ["blueprint"]

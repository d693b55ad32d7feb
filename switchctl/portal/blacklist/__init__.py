"""The blacklist pages (being built)."""

from switchctl.portal.blacklist.views import blueprint

__all__ = ["blueprint"]

"""The accounts pages (being built)."""

from switchctl.portal.accounts.views import blueprint

__all__ = ["blueprint"]

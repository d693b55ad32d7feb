"""The settings pages (being built)."""

from switchctl.portal.settings.views import blueprint

__all__ = ["blueprint"]

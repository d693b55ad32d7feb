"""The dial pages (being built)."""

from switchctl.portal.dial.views import blueprint

__all__ = ["blueprint"]

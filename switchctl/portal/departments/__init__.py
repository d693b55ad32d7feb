"""The departments pages (being built)."""

from switchctl.portal.departments.views import blueprint

__all__ = ["blueprint"]

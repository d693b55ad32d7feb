"""The contacts pages (being built)."""

from switchctl.portal.contacts.views import blueprint

__all__ = ["blueprint"]

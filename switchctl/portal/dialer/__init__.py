"""The browser dialer: its Verto credential (and, next, its page)."""

from switchctl.portal.dialer.views import blueprint

__all__ = ["blueprint"]

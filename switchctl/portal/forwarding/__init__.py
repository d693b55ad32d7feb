"""The forwarding pages (being built)."""

from switchctl.portal.forwarding.views import blueprint

__all__ = ["blueprint"]

"""The outbound routes pages (being built)."""

from switchctl.portal.outbound_routes.views import blueprint

__all__ = ["blueprint"]

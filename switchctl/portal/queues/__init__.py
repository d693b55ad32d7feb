"""The queues pages (being built)."""

from switchctl.portal.queues.views import blueprint

__all__ = ["blueprint"]

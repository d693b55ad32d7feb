"""The recordings pages (being built)."""

from switchctl.portal.recordings.views import blueprint

__all__ = ["blueprint"]

"""The extension list with live states, for every role, and its ``/events`` stream."""

from switchctl.portal.extensions.views import blueprint

__all__ = ["blueprint"]

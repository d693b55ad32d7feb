"""The extension list with live states, for every role, and its ``/events`` stream; and
the admin's pages that create, edit and remove extensions (manage.py)."""

from switchctl.portal.extensions import manage  # noqa: F401  (its routes)
from switchctl.portal.extensions.views import blueprint

__all__ = ["blueprint"]

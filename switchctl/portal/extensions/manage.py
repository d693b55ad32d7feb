"""The admin's extension pages (being built): routes on the extensions blueprint."""

from switchctl.portal.extensions.views import blueprint

__all__ = ["blueprint"]

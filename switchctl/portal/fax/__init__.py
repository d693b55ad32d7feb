"""The fax pages: an extension user sends faxes and reads the log of its own."""

from switchctl.portal.fax.views import blueprint

__all__ = ["blueprint"]

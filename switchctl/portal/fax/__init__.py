"""The fax pages: an extension user sends faxes and reads the log of its own; the admin
sets the fax numbers and the fax settings."""

from switchctl.portal.fax import numbers, settings  # noqa: F401 (their views join it)
from switchctl.portal.fax.views import blueprint

__all__ = ["blueprint"]

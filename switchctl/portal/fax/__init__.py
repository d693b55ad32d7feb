"""The fax pages: an extension user sends faxes and reads the log of its own; the admin
sets the fax numbers."""

from switchctl.portal.fax import numbers  # noqa: F401 (its views join the blueprint)
from switchctl.portal.fax.views import blueprint

__all__ = ["blueprint"]

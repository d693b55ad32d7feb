"""Logging in and out (``/login``, ``/logout``): extension users and admin/operator accounts."""

from switchctl.portal.auth.views import blueprint

__all__ = ["blueprint"]

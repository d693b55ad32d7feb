"""The feature codes pages (being built)."""

from switchctl.portal.feature_codes.views import blueprint

__all__ = ["blueprint"]

"""The voicemail pages (being built)."""

from switchctl.portal.voicemail.views import blueprint

__all__ = ["blueprint"]

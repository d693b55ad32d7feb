"""What the portal's views are handed: the collaborators create_app builds, kept in
``app.extensions["switchctl"]``. Flask's own settings (SECRET_KEY, ...) stay in app.config."""

import dataclasses

from flask import current_app

from switchctl.config import Config
from switchctl.esl.live import LiveView
from switchctl.portal.throttle import LoginThrottle

KEY = "switchctl"


@dataclasses.dataclass(frozen=True)
class PortalContext:
    config: Config
    live: LiveView | None  # None: no event listener in this process
    throttle: LoginThrottle
    snapshots: object  # extensions.snapshots.Snapshots: the lists every page shares
    streams: object  # extensions.stream.StreamSlots: event streams open per login


def portal_context():
    """The PortalContext of the app handling this request."""
    return current_app.extensions[KEY]

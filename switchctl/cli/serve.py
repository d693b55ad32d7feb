"""``switchctl serve`` runs the service; ``switchctl status`` asks the running one over HTTP."""

import base64
import json
import urllib.request

from switchctl.cli.common import SETTINGS, handles
from switchctl.services import ValidationError


def add_parser(commands):
    serve = commands.add_parser(
        "serve", help="run xml_curl, CDR intake, the event listener and the portal")
    handles(serve, cmd_serve, needs=SETTINGS)
    status = commands.add_parser(
        "status", help="the switch connection, every extension's live state, parked calls")
    handles(status, cmd_status, needs=SETTINGS)


def cmd_serve(settings, args):
    from switchctl.server import serve

    serve(settings)
    return 0


def cmd_status(settings, args):
    """Ask the running service (switchctl serve) for its live view."""
    url = f"http://{settings.switch_address}/status"
    request = urllib.request.Request(url)
    if settings.http_credentials:
        token = base64.b64encode(settings.http_credentials.encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - our own URL
            status = json.load(response)
    except (OSError, ValueError) as exc:
        raise ValidationError(f"switchctl serve does not answer at {url} ({exc})") from None
    if not _is_status(status):
        raise ValidationError(f"{url} answered something that is not switchctl's status "
                              "(is another program listening there?)")
    since = status.get("offline_since")
    catching_up = status["switch"] == "connected" and status.get("resynchronised") is False
    print(f"switch: {status['switch']}" + (f" since {since}" if since else "")
          + (" (still reading the parked calls and queue agents)" if catching_up else ""))
    for number, state in status["extensions"].items():
        print(f"{number}\t{state}")
    for call in status.get("parked") or []:
        if isinstance(call, dict):
            print(f"parked {call.get('slot', '?')}\t{call.get('caller_number', '')}\t"
                  f"{call.get('caller_name', '')}\tby {call.get('parked_by') or '?'}")
    return 0


def _is_status(status):
    """Is ``status`` shaped as /status answers: ``{"switch": str, "extensions": {str: str},
    "offline_since": str or null}``?"""
    if not isinstance(status, dict) or not isinstance(status.get("switch"), str):
        return False
    extensions = status.get("extensions")
    return (isinstance(extensions, dict)
            and all(isinstance(state, str) for state in extensions.values())
            and isinstance(status.get("offline_since"), (str, type(None))))

"""``*55#`` / ``*55*MMDDHHMM`` / ``*055#`` (manual §2.9): wake-up calls, handed to the
wake-up menu flow (switchctl.ivr.wakeup_menu) with what to do and for which extension.
The dialled time is only known to be eight digits here: whether it names a moment (and
which, in the domain's time zone) the flow decides, and says so."""

from switchctl.freeswitch import variables
from switchctl.xml_curl.actions import to_flow


def _wakeup(action):
    def handler(domain, caller, argument):
        channel = {variables.WAKEUP_ACTION: action, variables.WAKEUP_EXTENSION: caller.id}
        if action == "schedule":
            channel[variables.WAKEUP_WHEN] = argument  # [0-9]{8}: the code's pattern
        return to_flow(f"wakeup-{action.replace('_', '-')}", "wakeup_menu", **channel)
    return handler


HANDLERS = {"wakeup_menu": _wakeup("menu"), "wakeup_direct": _wakeup("schedule"),
            "wakeup_cancel": _wakeup("cancel_all")}

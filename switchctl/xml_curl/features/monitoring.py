"""``*90`` / ``*91`` / ``*92`` (manual §2.6): listen, whisper, barge (mod_dptools eavesdrop),
for extensions that may monitor."""

from switchctl.freeswitch import prompts
from switchctl.services.extensions import extension_record
from switchctl.xml_curl import presence
from switchctl.xml_curl.actions import Route, invalid, multiset, refuse

MODES = {
    "listen": {},
    "whisper": None,  # decided by the side the extension is on (see presence.py)
    "barge": {"eavesdrop_whisper_aleg": "true", "eavesdrop_whisper_bleg": "true"},
}


def _monitor(mode):
    def handler(domain, caller, argument):
        if not caller.may_monitor:
            return refuse(f"monitor-{mode}-denied", prompts.NOT_PERMITTED, "CALL_REJECTED")
        if extension_record(domain, argument) is None or argument == caller.number:
            return invalid(f"monitor-{mode}-unknown")
        flags = MODES[mode]
        if flags is None:
            side = presence.lookup(domain, "spyside", argument)
            setup = (("set", f"eavesdrop_whisper_{side}leg=true"),)
        else:
            setup = (multiset(eavesdrop_enable_dtmf="false", **flags),)
        return Route(f"monitor-{mode}", (
            ("answer", ""),
            *setup,
            ("eavesdrop", presence.lookup(domain, "spymap", argument)),
            ("playback", prompts.CANNOT_COMPLETE),
            ("hangup", "NORMAL_CLEARING"),
        ))
    return handler


HANDLERS = {f"monitor_{mode}": _monitor(mode) for mode in MODES}

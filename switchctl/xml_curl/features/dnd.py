"""``*74`` / ``*074`` (manual §2.11): do-not-disturb on and off."""

from switchctl.freeswitch import prompts
from switchctl.services import forwarding
from switchctl.xml_curl.actions import confirm


def _dnd(on):
    def handler(domain, caller, argument):
        forwarding.set_dnd(caller, on)
        return confirm("dnd-on" if on else "dnd-off", prompts.DND_ON if on else prompts.DND_OFF)
    return handler


HANDLERS = {"dnd_on": _dnd(True), "dnd_off": _dnd(False)}

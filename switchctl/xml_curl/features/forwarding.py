"""``*71``-``*73`` / ``*071``-``*073`` (manual §2.10): forwarding set and cancelled by phone."""

from switchctl.freeswitch import prompts
from switchctl.models.forwarding import FORWARD_ALWAYS, FORWARD_BUSY, FORWARD_NO_ANSWER
from switchctl.services import ValidationError, forwarding
from switchctl.services.extensions import extension_by_id
from switchctl.xml_curl.actions import confirm, invalid


def _forward_on(kind):
    def handler(domain, caller, argument):
        try:
            forwarding.set_forward(extension_by_id(caller.id), kind, argument)
        except ValidationError:
            return invalid(f"forward-{kind}-refused")
        return confirm(f"forward-{kind}-on", prompts.FORWARD_SET)
    return handler


def _forward_off(kind):
    def handler(domain, caller, argument):
        forwarding.cancel_forward(extension_by_id(caller.id), kind)
        return confirm(f"forward-{kind}-off", prompts.FORWARD_CANCELLED)
    return handler


HANDLERS = {
    f"forward_{kind}_{state}": make(kind)
    for kind in (FORWARD_ALWAYS, FORWARD_BUSY, FORWARD_NO_ANSWER)
    for state, make in (("on", _forward_on), ("off", _forward_off))
}

"""``**<ext>`` / ``*8`` (manual §2.2): answer a call ringing elsewhere (mod_dptools intercept,
the call found in FreeSWITCH's hash: see presence.py)."""

from switchctl.freeswitch import prompts
from switchctl.services.extensions import extension_record
from switchctl.xml_curl import presence
from switchctl.xml_curl.actions import Route, invalid, refuse


def directed(domain, caller, argument):
    """``**<ext>#``: take the call ringing at ``<ext>`` (only while it is unanswered)."""
    if extension_record(domain, argument) is None:
        return invalid("pickup-unknown")
    return _intercept("pickup", presence.lookup(domain, "ringing", argument))


def group(domain, caller, argument):
    """``*8``: take the last call ringing in the caller's department."""
    if not caller.department_id:
        return refuse("pickup-no-group", prompts.CANNOT_COMPLETE, "NORMAL_CLEARING")
    return _intercept("pickup-group",
                      presence.lookup(domain, "ringgroup", f"dept{caller.department_id}"))


def _intercept(name, uuid_expression):
    return Route(name, (
        ("set", "intercept_unanswered_only=true"),
        ("intercept", uuid_expression),
        ("playback", prompts.CANNOT_COMPLETE),
        ("hangup", "NORMAL_CLEARING"),
    ))


HANDLERS = {"pickup_directed": directed, "pickup_group": group}

"""``*50`` / ``*51`` (manual §2.12): intercom and paging, the extension answering by itself."""

from switchctl.freeswitch import prompts
from switchctl.services.extensions import extension_record
from switchctl.xml_curl.actions import Route, invalid, multiset, refuse


def _auto_answer_target(domain, caller, argument, name):
    """``(target, None)``, or ``(None, refusal)`` when the extension cannot be reached."""
    target = extension_record(domain, argument)
    if target is None or argument == caller.number:
        return None, invalid(f"{name}-unknown")
    if target.dnd:
        return None, refuse(f"{name}-dnd", prompts.USER_BUSY, "USER_BUSY")
    return target, None


def intercom(domain, caller, argument):
    """``*50<ext>#``: the extension answers by itself; both sides talk."""
    target, refusal = _auto_answer_target(domain, caller, argument, "intercom")
    if refusal:
        return refusal
    return Route("intercom", (
        ("export", "sip_auto_answer=true"),
        multiset(call_timeout=20, hangup_after_bridge="true", continue_on_fail="true"),
        ("bridge", f"user/{target.number}@{domain}"),
        ("playback", prompts.NOT_AVAILABLE),
        ("hangup", "NORMAL_CLEARING"),
    ))


def paging(domain, caller, argument):
    """``*51<ext>#``: the extension answers by itself and only listens.

    The caller opens a conference that ends when they hang up; mod_conference
    calls the extension in, auto-answered and muted."""
    target, refusal = _auto_answer_target(domain, caller, argument, "paging")
    if refusal:
        return refusal
    return Route("paging", (
        ("answer", ""),
        # conference_controls=none: the paged phone gets no keys (0 would unmute it).
        multiset(conference_auto_outcall_timeout=20, conference_utils_auto_outcall_flags="mute",
                 conference_auto_outcall_prefix="{sip_auto_answer=true,conference_controls=none}",
                 conference_auto_outcall_caller_id_number=caller.number),
        ("conference_set_auto_outcall", f"user/{target.number}@{domain}"),
        ("conference", "page-${uuid}@default+flags{endconf|nomoh}"),
        ("hangup", "NORMAL_CLEARING"),
    ))


HANDLERS = {"intercom": intercom, "paging": paging}

"""Builders of the text switchctl sends FreeSWITCH: event-socket commands and the
arguments of dialplan applications that talk back to switchctl."""

from switchctl.freeswitch import variables


def message_waiting(account, new, saved, profile="", call_id=""):
    """The ``sendevent MESSAGE_WAITING`` command for ``account`` (``101@pbx.local``), with
    headers as mod_voicemail sends them (see the captured MESSAGE_WAITING events).

    With ``profile`` and ``call_id`` (from a MESSAGE_QUERY) sofia answers that one
    registration; without them it notifies every subscriber of the account."""
    lines = [
        "sendevent MESSAGE_WAITING",
        f"MWI-Messages-Waiting: {'yes' if new else 'no'}",
        f"MWI-Message-Account: sip:{account}",
        f"MWI-Voice-Message: {new}/{saved} (0/0)",
    ]
    if profile and call_id:
        lines += [f"Sofia-Profile: {profile}", f"Call-ID: {call_id}"]
    return "\n".join(lines)


# The ``socket`` argument the dialplan uses: the address is the global switchctl_socket of
# freeswitch-conf/vars.xml (globals answer ${...} on every channel).
FLOW_SOCKET = "${switchctl_socket} async full"


def socket_data(address):
    """The ``socket`` application's argument reaching our outbound server (``async``: events
    flow while an application runs; ``full``: flows may use api)."""
    return f"{address.host}:{address.port} async full"


def wakeup_originate(uuid, call_id, number, domain, ring_seconds, flow="wakeup_call"):
    """The ``bgapi originate`` placing wake-up call ``call_id`` to ``number@domain``; once
    answered the channel runs our outbound socket, where ``flow`` takes it.

    mod_commands: ``originate <call url> <exten>|&<application_name>(<app_args>) ...``, its
    arguments split at spaces outside single quotes (switch_separate_string, which strips
    the quotes), so the socket application is quoted; ``{var=value,...}`` sets channel
    variables (values here hold no commas or spaces); ``originate_timeout`` is how long it
    rings. ``${switchctl_socket}`` is the global of vars.xml, expanded when the
    application runs. The result (``+OK <uuid>`` or ``-ERR NO_ANSWER``) comes later as a
    BACKGROUND_JOB event; the call's fate is read from the flow reaching us, or not."""
    channel = ",".join(f"{name}={value}" for name, value in (
        ("origination_uuid", uuid), (variables.FLOW, flow), (variables.WAKEUP_CALL, call_id),
        ("origination_caller_id_name", "Wake-up"),
        ("originate_timeout", ring_seconds)))
    return f"bgapi originate {{{channel}}}user/{number}@{domain} '&socket({FLOW_SOCKET})'"

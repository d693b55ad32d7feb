"""Builders of the text switchctl sends FreeSWITCH: event-socket commands and the
arguments of dialplan applications that talk back to switchctl."""


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

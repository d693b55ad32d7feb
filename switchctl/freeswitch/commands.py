"""Builders of the text switchctl sends FreeSWITCH: event-socket commands and the
arguments of dialplan applications that talk back to switchctl."""

import re

from switchctl.freeswitch import contexts, variables

# A number a person may ask the switch to dial for them (as the dialplan's DIALLABLE):
# only these characters ever reach a command or a dialplan request.
DIALLABLE = re.compile(r"^[0-9*#+]{1,32}\Z")


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


def click_to_dial_originate(uuid, number, domain, destination, ring_seconds):
    """The ``bgapi originate`` of click-to-dial: ring ``number@domain`` (the user's own
    phones), and once answered dial ``destination`` in our users' context, as if the user
    had dialled it there.

    The ringing leg shows ``destination`` as its caller, so the phone's screen says whom
    it is about to call. The dialplan knows the leg as the user's own call from what
    ``user/`` sets on it (``dialed_user``/``dialed_domain``, read by
    xml_curl.identity.caller_identity); the user's directory variables
    (``effective_caller_id_*``) are on it too, so the called party sees the user.
    ``switchctl_click_to_dial=true`` marks the leg, so that its call record is read as the
    user's call to ``destination`` (xml_cdr.parse), not as one from ``destination``.
    ``destination`` must be DIALLABLE: it is part of the command."""
    if not DIALLABLE.match(destination):
        raise ValueError(f"not a dialable number: {destination!r}")
    channel = ",".join(f"{name}={value}" for name, value in (
        ("origination_uuid", uuid), (variables.CLICK_TO_DIAL, "true"),
        ("origination_caller_id_number", destination),
        ("origination_caller_id_name", destination), ("originate_timeout", ring_seconds)))
    return (f"bgapi originate {{{channel}}}user/{number}@{domain} {destination} XML "
            f"{contexts.INTERNAL}")


# What may go in a fax's page header and station id: printable text without the characters
# that end or quote an originate variable ({ } , ' \) or start an expansion ($).
FAX_TEXT = re.compile(r"^[^{}',\\$\x00-\x1f\x7f]{0,50}\Z")
GATEWAY = re.compile(r"^[A-Za-z0-9_.-]{1,64}\Z")
# mod_spandsp cannot send a fax over Opus or G.722 (both ends time out at the first message,
# result 3): the call is held to G.711. The comma is escaped: the value is inside {...}.
FAX_CODECS = r"PCMU\,PCMA"


def fax_originate(uuid, job_id, gateway, number, tiff_path, header="", ident="",
                  use_ecm=True, caller_id="", ring_seconds=60):
    """The ``bgapi originate`` sending fax ``job_id``: call ``number`` through ``gateway``
    and, once answered, run ``txfax`` with the TIFF at ``tiff_path`` (as the switch sees it).

    T.38 is neither offered nor accepted (txfax can hang after a T.38 re-INVITE, FreeSWITCH
    issue #3044); ``fax_header`` and ``fax_ident`` go on every try (empty: spandsp.conf's).
    ``origination_uuid`` and the ``Job-UUID`` header are both ``uuid``: the channel's events
    and its BACKGROUND_JOB name the try. The switch's result comes as the CUSTOM event
    ``spandsp::txfaxresult`` and in the leg's CDR (``fax_*`` variables), a call that fails
    before the answer as its CHANNEL_HANGUP_COMPLETE (tests/data/freeswitch/fax)."""
    if not DIALLABLE.match(number) or not GATEWAY.match(gateway):
        raise ValueError(f"not a fax destination: {gateway!r} {number!r}")
    if not FAX_TEXT.match(header) or not FAX_TEXT.match(ident) or not FAX_TEXT.match(caller_id):
        raise ValueError("fax header, station id and caller id are plain text")
    if "'" in tiff_path or ")" in tiff_path or "\n" in tiff_path:
        raise ValueError(f"not a fax file path: {tiff_path!r}")
    pairs = [("origination_uuid", uuid), (variables.FAX_JOB, int(job_id))]
    pairs += [(name, f"'{value}'") for name, value in (("fax_header", header),
                                                       ("fax_ident", ident)) if value]
    pairs += [("fax_use_ecm", "true" if use_ecm else "false"), ("fax_enable_t38", "false"),
              ("fax_enable_t38_request", "false"), ("ignore_early_media", "true"),
              ("absolute_codec_string", FAX_CODECS)]
    if caller_id:
        pairs.append(("origination_caller_id_number", f"'{caller_id}'"))
    pairs.append(("originate_timeout", int(ring_seconds)))
    channel = ",".join(f"{name}={value}" for name, value in pairs)
    return (f"bgapi originate {{{channel}}}sofia/gateway/{gateway}/{number} "
            f"'&txfax({tiff_path})'\nJob-UUID: {uuid}")

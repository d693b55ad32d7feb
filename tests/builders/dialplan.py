"""Dialplan requests built from the captured 1000 -> 1001 request, and reading the answers."""

import re

from tests.builders.captures import xml_curl_body
from tests.clients.xml_curl import parsed, post

DIALPLAN = "1d_dialplan_default_1001"


def call(caller, destination, domain_name="pbx.local", context="default", caller_id=None,
         **variables):
    """The captured dialplan request of 1000 -> 1001, re-addressed."""
    overrides = {
        "Hunt-Destination-Number": destination, "Caller-Destination-Number": destination,
        "Hunt-Context": context, "Caller-Context": context,
        "variable_user_name": caller, "variable_domain_name": domain_name,
    }
    if caller_id is not None:
        overrides["Hunt-Caller-ID-Number"] = overrides["Caller-Caller-ID-Number"] = caller_id
    overrides.update({f"variable_{k}": v for k, v in variables.items()})
    return xml_curl_body(DIALPLAN, **overrides)


def actions(root):
    """[(application, data)] of the one extension in the answer, in order."""
    found = root.xpath("/document/section[@name='dialplan']/context/extension/condition/action")
    return [(a.get("application"), a.get("data", "")) for a in found]


def steps_of(client, body):
    return actions(parsed(post(client, body)))


def bridges(steps):
    return [data for app, data in steps if app == "bridge"]


def bound(side):
    """The actions binding the default in-call codes on ``side`` ("self": the keys of the
    leg running the dialplan, "peer": those of the leg it rings), as xml_curl/bindings.py
    writes them before a bridge."""
    def code(pattern, action):
        return ("bind_digit_action", f"switchctl,{pattern},{action},{side},{side}")

    def whole(code_, key):  # the peer's digit machine takes every code as a regex
        if side == "peer":
            return code(f"~^{re.escape(code_)}$", f"exec:execute_extension,{key} XML in_call")
        return code(code_, f"exec[P]:execute_extension,{key} XML in_call")
    return [
        ("multiset", "bind_digit_digit_timeout=2000"),
        ("clear_digit_action", f"switchctl,{side}"),
        whole("*4#", "park"),
        code(r"~^\#\+?\d\d+#?$", "exec:execute_extension,transfer_blind XML in_call"),
        code(r"~^\*2\+?\d\d+#?$", "exec:execute_extension,transfer_attended XML in_call"),
        whole("*0", "conference_adhoc"),
        whole("*1", "record_call"),
        ("digit_action_set_realm", f"switchctl,{side}"),
    ]


def without_bindings(steps):
    """``steps`` less the in-call bindings (see ``bound``)."""
    kinds = ("clear_digit_action", "bind_digit_action", "digit_action_set_realm")
    return [(app, data) for app, data in steps if app not in kinds
            and (app, data) != ("multiset", "bind_digit_digit_timeout=2000")]

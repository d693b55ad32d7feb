"""Dialplan requests built from the captured 1000 -> 1001 request, and reading the answers."""

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

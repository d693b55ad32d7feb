"""A call played through switchctl the way FreeSWITCH would play it.

For each dialplan request the Switch posts the fields FreeSWITCH posts (the
captured 1000 -> 1001 request, re-addressed, with every channel variable as
``variable_<name>``), hunts the answer with tests/dialplan_eval.py, and runs the
queued applications in order. Variables set on the way are carried into the next
request after a ``transfer``, as on a real channel. ``bridge`` is decided by a
script saying how each endpoint responds ("answer", "busy", "no_answer",
"unregistered"; unscripted endpoints do not answer) and ``play_and_get_digits``
takes the caller's ``entered`` digits; the bridge outcome sets
originate_disposition as mod_dptools would, and ``continue_on_fail`` decides
whether the dialplan goes on. ``socket`` hands the call to switchctl's outbound server
(its address from freeswitch-conf/vars.xml's globals, as the switch expands it): the
call "reaches the flow" named by ``switchctl_flow``, with the channel's variables then
(``Call.flow``, ``Call.flow_variables``); what the flow does is its tests' (a socket
without ``socket_resume`` never goes back to the dialplan).
"""

import dataclasses
import functools
import re
from collections import ChainMap

from tests.builders.captures import xml_curl_body
from tests.fakes.dialplan_eval import expand, hunt
from tests.builders.dialplan import DIALPLAN
from tests.clients.xml_curl import parsed, post
from tests.fakes.fsconf import preprocess

DISPOSITION = {"busy": "USER_BUSY", "no_answer": "NO_ANSWER",
               "unregistered": "USER_NOT_REGISTERED"}
ENDPOINT = re.compile(r"^(?:\[[^\]]*\])?(user/(\d+)@\S+|sofia/gateway/[^/]+/(\S+))$")
MAX_TRANSFERS = 20


@dataclasses.dataclass
class Call:
    steps: list = dataclasses.field(default_factory=list)
    rung: list = dataclasses.field(default_factory=list)  # every leg tried, in order
    answered_by: str = ""
    hangup_cause: str = ""
    socket: str = ""  # where the call was handed to a flow, as the switch expanded it
    flow: str = ""
    flow_variables: dict = dataclasses.field(default_factory=dict)

    def played(self):
        return [data for app, data in self.steps if app == "playback"]


class Switch:
    def __init__(self, client, responses=None):
        self.client = client
        self.responses = responses or {}

    def call(self, caller, destination, context="default", caller_id=None, entered=()):
        variables = {"user_name": caller, "domain_name": "pbx.local"}
        call = Call()
        self.entered = list(entered)
        for _ in range(MAX_TRANSFERS):
            document = self._ask(destination, context, caller_id, variables)
            result = hunt(document, context, {**variables, "destination_number": destination},
                          globals=switch_globals())
            transfer = self._run(result.queued, variables, call)
            if transfer is None:
                return call
            destination, _, context = transfer.split(" ", 2)
            context = context.split()[-1]
        raise AssertionError(f"more than {MAX_TRANSFERS} transfers: {call.steps}")

    def _ask(self, destination, context, caller_id, variables):
        fields = {"Hunt-Destination-Number": destination, "Caller-Destination-Number": destination,
                  "Hunt-Context": context, "Caller-Context": context}
        if caller_id is not None:
            fields["Hunt-Caller-ID-Number"] = fields["Caller-Caller-ID-Number"] = caller_id
        fields.update({f"variable_{name}": value for name, value in variables.items()})
        return parsed(post(self.client, xml_curl_body(DIALPLAN, **fields)))

    def _run(self, actions, variables, call):
        """Run queued actions; return the transfer target, or None when the call ends."""
        for app, queued in actions:
            data = expand(queued, ChainMap(variables, switch_globals()))
            call.steps.append((app, data))
            if app in ("set", "export"):
                name, _, value = data.partition("=")
                variables[name] = value
            elif app == "multiset":
                variables.update(item.split("=", 1) for item in data.split())
            elif app == "play_and_get_digits":
                variables[data.split()[7]] = self.entered.pop(0) if self.entered else ""
            elif app == "transfer":
                return data
            elif app == "hangup":
                call.hangup_cause = data
                return None
            elif app == "bridge" and self._bridge(data, variables, call):
                return None
            elif app == "socket":
                call.socket, call.flow = data, variables.get("switchctl_flow", "")
                call.flow_variables = dict(variables)
                return None
        return None

    def _bridge(self, dial_string, variables, call):
        """True when the call ends in this bridge (answered, or failed with no continue)."""
        groups = re.sub(r"^\{[^}]*\}", "", dial_string).split("|")
        last = "no_answer"
        for group in groups:
            for leg in group.split(","):
                endpoint = ENDPOINT.match(leg)
                key = endpoint.group(2) or endpoint.group(3)
                call.rung.append(key)
                last = self.responses.get(key, "no_answer")
                if last == "answer":
                    call.answered_by = key
                    return True
        variables["originate_disposition"] = DISPOSITION[last]
        return variables.get("continue_on_fail") != "true"


@functools.lru_cache(maxsize=1)
def switch_globals():
    """The globals freeswitch-conf/vars.xml sets (switchctl_socket among them)."""
    return dict(preprocess().variables)

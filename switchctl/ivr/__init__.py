"""Phone call flows (voicemail, wake-up calls, conference rooms, queue agents), one module
per flow, each a class taking the call (a switchctl.esl.session.CallSession) and the
FlowContext, offering run().

FLOWS maps the name the dialplan sets in ``switchctl_flow`` to the flow class;
``flows(context)`` gives the outbound server (switchctl.esl.outbound) one factory per
name, taking only the call.
"""

import dataclasses
import datetime
import functools
import typing

from switchctl.ivr.conference_room import ConferenceRoomFlow
from switchctl.ivr.queue_agent import QueueAgentFlow
from switchctl.ivr.voicemail_leave import LeaveMessageFlow
from switchctl.ivr.voicemail_menu import VoicemailMenu
from switchctl.ivr.wakeup_call import WakeupCallFlow
from switchctl.ivr.wakeup_menu import WakeupMenuFlow
from switchctl.services.wakeup import utc_now

FLOWS = {
    "voicemail": LeaveMessageFlow,
    "voicemail_menu": VoicemailMenu,
    "wakeup_call": WakeupCallFlow,
    "wakeup_menu": WakeupMenuFlow,
    "conference_room": ConferenceRoomFlow,
    "queue_agent": QueueAgentFlow,
}


@dataclasses.dataclass(frozen=True)
class FlowContext:
    """What every flow may use besides its call: the settings (media folders), the live
    view (``mailbox_changed`` lights lamps; ``listener.send`` reaches the switch; None
    where no switch is connected, as in some tests) and the clock (tests set it)."""

    config: typing.Any
    live: typing.Any = None
    clock: typing.Callable[[], datetime.datetime] = utc_now  # naive UTC, to the second

    def mailbox_changed(self, domain_name, number):
        if self.live is not None:
            self.live.mailbox_changed(domain_name, number)


def flows(context):
    """``{name: factory(call)}`` for the outbound server."""
    return {name: functools.partial(flow, context=context) for name, flow in FLOWS.items()}

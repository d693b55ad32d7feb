"""The queue agent codes (manual §2.7): ``*62#`` log in, ``*062#`` log out, ``*95#``
pause, ``*095#`` unpause; the database changed and mod_callcenter told.

The dialplan (xml_curl/features/queue_agents.py) names the action and the caller's
extension. ``*62#`` logs the extension into every queue the admin made it a dynamic agent
of (its static queues it is in already), ``*062#`` out of them; ``*95#`` / ``*095#``
pause and unpause it in all its queues (mod_callcenter: one status per agent, On Break).
The database changes first, then the switch is told over this call's own socket
(``api callcenter_config ...``, esl/queues.commands_for); a switch that refuses is logged
and put right by the next resync. An extension that answers no queue hears that it may
not (NOT_PERMITTED) and nothing changes.
"""

import logging

import gevent
from greenswitch.esl import NotConnectedError, OutboundSessionHasGoneAway

from switchctl.esl.queues import commands_for
from switchctl.esl.session import CallerHungUp
from switchctl.freeswitch import prompts, variables
from switchctl.models import Extension
from switchctl.services import queues

log = logging.getLogger(__name__)
CONFIRM = {"login": prompts.AGENT_LOGGED_IN, "logout": prompts.AGENT_LOGGED_OUT,
           "pause": prompts.AGENT_PAUSED, "unpause": prompts.AGENT_UNPAUSED}


def change(extension, action):
    """The database change of ``action``; the extension's rows after it ([]: no agent)."""
    if action == "login":
        return queues.log_in(extension)
    if action == "logout":
        return queues.log_out(extension)
    return queues.set_paused(extension, action == "pause")


class QueueAgentFlow:
    def __init__(self, call, context):
        self.call = call
        self.context = context

    def run(self):
        action = self.call.variable(variables.QUEUE_AGENT_ACTION)
        text = self.call.variable(variables.QUEUE_AGENT_EXTENSION)
        extension = Extension.get_or_none(Extension.id == int(text)) \
            if text.isascii() and text.isdigit() else None
        if action not in CONFIRM or extension is None:
            raise LookupError(f"queue agent flow: {action!r} for extension {text!r}")
        self.call.answer()
        if not queues.rows_of(extension):
            log.info("queue agent %s: extension %s answers no queue", action, extension.number)
            self.call.play(prompts.NOT_PERMITTED)
            return
        rows = change(extension, action)
        domain_name = extension.domain.name
        for command in commands_for(extension, domain_name, rows):
            reply = self._api(command)
            if reply.startswith("-ERR") and " agent add " not in command:
                log.warning("queue agent %s@%s: %s answered %s", extension.number,
                            domain_name, command.split(" ", 3)[:3], reply.strip())
        log.info("queue agent %s@%s: %s", extension.number, domain_name, action)
        self.call.play(CONFIRM[action])

    def _api(self, command):
        """``api <command>`` on this call's outbound socket (mod_event_socket answers api
        there as on an inbound one): its answer's body; CallerHungUp when the socket is
        gone (the database change stays: the next resync tells the switch)."""
        try:
            with gevent.Timeout(self.call.timeout, CallerHungUp(f"api {command} unanswered")):
                answer = self.call.session.send(f"api {command}")
        except (OutboundSessionHasGoneAway, NotConnectedError, OSError):
            raise CallerHungUp("api") from None
        data = getattr(answer, "data", "") or ""
        return data.decode("utf-8", "replace") if isinstance(data, bytes) else data

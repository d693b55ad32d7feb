"""The composition root: every long-lived part of ``switchctl serve`` is built here, once,
and handed to the parts that use it (nothing else builds a Listener or a LiveView)."""

import dataclasses

from switchctl import portal
from switchctl.esl import mwi
from switchctl.esl.extension_state import ExtensionStates
from switchctl.esl.fax_sender import FaxSender
from switchctl.esl.listener import Listener
from switchctl.esl.live import LiveView
from switchctl.esl.outbound import OutboundServer
from switchctl.esl.parking import ParkedCalls
from switchctl.esl.queues import QueueSync
from switchctl.esl.recordings import RecordingStops
from switchctl.esl.wakeup_ringer import WakeupRinger
from switchctl.ivr import FlowContext, flows
from switchctl.voicemail_mailer import Mailer
from switchctl.xml_curl import app as switch_app


@dataclasses.dataclass(frozen=True)
class Service:
    live: LiveView
    portal_app: object  # WSGI: the portal
    switch_app: object  # WSGI: xml_curl, CDR intake, status
    flows: OutboundServer  # not started
    mailer: Mailer  # voicemail emails: run() in a greenlet
    wakeup_ringer: WakeupRinger  # places the wake-up calls: run() in a greenlet
    fax_sender: FaxSender  # sends the queued faxes, stores fax results: run() in a greenlet


def build_live(config):
    """The event listener for ``config.esl`` and the LiveView it feeds."""
    listener = Listener(config.esl, config.esl_password, ExtensionStates(),
                        on_message_query=mwi.answer)
    # Each attaches itself to the listener (its events, its resynchronisation).
    QueueSync(listener)
    RecordingStops(listener, config)
    return LiveView(listener, parked_calls=ParkedCalls(listener))


def build(config):
    live = build_live(config)
    return Service(live=live, portal_app=portal.create_app(config, live),
                   switch_app=switch_app.create_app(config, live),
                   flows=OutboundServer(config.outbound, flows(FlowContext(config, live))),
                   mailer=Mailer(config, mailbox_changed=live.mailbox_changed),
                   wakeup_ringer=WakeupRinger(live.listener),
                   fax_sender=FaxSender(live.listener, config))

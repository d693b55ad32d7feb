"""What the running service knows live: the event listener and extension states."""

import logging

import peewee

from switchctl.db import reset
from switchctl.esl import mwi
from switchctl.esl.events import CallState
from switchctl.esl.extension_state import ExtensionStates
from switchctl.esl.listener import Listener
from switchctl.esl.notifications import (EVERYONE, Hub, IncomingCall, StateChange, SwitchLink,
                                         domain_topic)
from switchctl.models import Extension, database
from switchctl.services.contacts import caller_name
from switchctl.services.domains import find_domain
from switchctl.services.extensions import extension_records
from switchctl.xml_curl import contexts

log = logging.getLogger(__name__)


class LiveView:
    def __init__(self, config):
        self.states = ExtensionStates()
        self.hub = Hub()
        self.listener = Listener(config.esl, config.esl_password, self.states,
                                 on_message_query=self.answer_message_query)
        self.states.observers.append(
            lambda user, state: self.hub.publish(domain_topic(user), StateChange(user, state)))
        self.listener.observers.append(self.announce_incoming_call)
        self.listener.link_observers.append(
            lambda online: self.hub.publish(EVERYONE, SwitchLink(online)))

    def announce_incoming_call(self, event):
        """A phone of ``event.user`` rings: tell that user's portal who calls."""
        if not isinstance(event, CallState) or not event.rings_a_phone:
            return
        self.hub.publish(event.user, IncomingCall(event.user, event.uuid, event.caller_number,
                                                  self._contact_name(event)))

    def _contact_name(self, event):
        """Who calls, as the called user may know them: a colleague's extension name (only
        for a call from our own users: a caller ID from outside may say anything), else the
        name of a contact the user may see, else ""."""
        number, _, domain_name = event.user.partition("@")
        try:
            found = extension_records(domain_name, number, event.caller_number)
            extension = found.get(number)
            if extension is None:
                return ""
            colleague = found.get(event.caller_number)
            if event.context == contexts.INTERNAL and colleague is not None and \
                    colleague is not extension:
                return colleague.name
            return caller_name(extension.domain_id, extension.id, event.caller_number) or ""
        except peewee.PeeweeException as exc:
            reset(database)
            log.error("incoming call for %s: database error (%s)", event.user, exc)
            return ""

    def answer_message_query(self, query):
        """The MESSAGE_WAITING answer to a phone's query (None: not one of our mailboxes)."""
        number, _, domain = query.account.partition("@")
        try:
            found = mwi.counts(domain, number)
        except peewee.PeeweeException as exc:
            reset(database)
            log.error("message waiting for %s: database error (%s)", query.account, exc)
            return None
        if found is None:
            return None
        return mwi.sendevent(query.account, found, query.profile, query.call_id)

    def mailbox_changed(self, domain_name, number):
        """Light (or put out) the voicemail lamp of every phone of a mailbox."""
        found = mwi.counts(domain_name, number)
        if found is not None:
            self.listener.send(mwi.sendevent(f"{number}@{domain_name}", found))

    def status(self, domain_name):
        """Whether the switch is connected, and every extension's state."""
        domain = find_domain(domain_name)
        numbers = [] if domain is None else [number for (number,) in Extension.select(
            Extension.number).where(Extension.domain == domain).order_by(
            Extension.number).tuples()]
        return {
            "switch": "connected" if self.listener.online.is_set() else "offline",
            "extensions": {n: self.states.state(f"{n}@{domain_name}") for n in numbers},
        }

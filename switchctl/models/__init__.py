"""All Peewee models, importable from one place: one module per feature, named as the
feature is named in every other layer (services/, xml_curl/, esl/, ivr/, portal/)."""

from switchctl.models.base import BaseModel, database
from switchctl.models.blacklist import BlacklistEntry
from switchctl.models.call_records import CallRecord
from switchctl.models.conferences import ConferenceRoom
from switchctl.models.contacts import Contact
from switchctl.models.dialer import DialerCredential
from switchctl.models.domains import Domain, OutboundRoute, Setting
from switchctl.models.extensions import Department, Extension
from switchctl.models.fax import FaxAttempt, FaxJob, FaxNumber
from switchctl.models.feature_codes import FeatureCodeOverride
from switchctl.models.forwarding import FollowMeEntry, ForwardRule
from switchctl.models.logins import LoginFailure, PortalAccount, PortalSession
from switchctl.models.queues import Queue, QueueAgent
from switchctl.models.recordings import Recording
from switchctl.models.voicemail import VoicemailEmail, VoicemailGreeting, VoicemailMessage
from switchctl.models.wakeup import WakeupAttempt, WakeupCall

# Creation order: every table after the tables it points at.
ALL_MODELS = (
    Domain, PortalAccount, Setting, Department, Extension, Contact, CallRecord, Recording,
    VoicemailMessage, VoicemailGreeting, VoicemailEmail, FaxJob, FaxAttempt, FaxNumber,
    ForwardRule, FollowMeEntry, BlacklistEntry, OutboundRoute, WakeupCall, WakeupAttempt, Queue,
    QueueAgent, ConferenceRoom, FeatureCodeOverride, PortalSession, DialerCredential, LoginFailure,
)

__all__ = [model.__name__ for model in ALL_MODELS] + ["ALL_MODELS", "BaseModel", "database"]

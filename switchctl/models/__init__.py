"""All Peewee models, importable from one place."""

from switchctl.models.base import BaseModel, database
from switchctl.models.calls import CallRecord, Recording
from switchctl.models.contacts import Contact
from switchctl.models.extensions import Department, Extension
from switchctl.models.media import FaxJob, VoicemailMessage
from switchctl.models.routing import BlacklistEntry, FollowMeEntry, ForwardRule, OutboundRoute
from switchctl.models.services import (
    ConferenceRoom,
    FeatureCodeOverride,
    Queue,
    QueueAgent,
    WakeupCall,
)
from switchctl.models.tenancy import Domain, PortalAccount, Setting

# Creation order: every table after the tables it points at.
ALL_MODELS = (
    Domain, PortalAccount, Setting, Department, Extension, Contact, CallRecord, Recording,
    VoicemailMessage, FaxJob, ForwardRule, FollowMeEntry, BlacklistEntry, OutboundRoute,
    WakeupCall, Queue, QueueAgent, ConferenceRoom, FeatureCodeOverride,
)

__all__ = [model.__name__ for model in ALL_MODELS] + ["ALL_MODELS", "BaseModel", "database"]

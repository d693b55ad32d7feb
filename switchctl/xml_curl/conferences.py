"""Conference rooms (manual §2.8): dialling a room, ``*0`` ad-hoc rooms, the admin's invite.

- A room's number (a Dialled, read from the database on every call: no ``reloadxml``)
  hands the call to the ``conference_room`` flow (ivr/conference_room.py), which asks the
  PIN and then sends the caller to the ``conference`` context.
- The ``conference`` context (``route_conference``) is reached only by our own
  ``transfer``/``uuid_transfer``: its destination says the room and the role,
  ``moderator-<number>`` / ``member-<number>`` for a room of the database, ``adhoc-<uuid>``
  for an ad-hoc room (the initiator's leg, whose uuid it is, is its moderator; everyone
  else a member). Roles never come from channel variables.
- ``*0`` (in-call ``conference_adhoc``) asks the initiator for a PIN to set, then
  ``transfer -both adhoc-<initiator's uuid> XML conference``. mod_conference destroys a
  room when its last member leaves.
- A moderator's ``0`` (conference.conf.xml moderator controls: ``execute_application``)
  runs ``conference_invite``: the number to invite is read, then ``conference_invite_dial``
  checks it with the admin's rights and bridges it from the admin's leg with two bindings:
  ``**`` ``uuid_transfer``s the invitee into the room as a member, ``*#`` hangs it up;
  either way the bridge ends and the admin is back in the room.
"""

import re
import uuid as uuids

from switchctl.freeswitch import contexts, prompts, variables
from switchctl.models import ConferenceRoom, Domain
from switchctl.services import blacklist
from switchctl.services.extensions import extension_records
from switchctl.xml_curl import routing
from switchctl.xml_curl.actions import Route, multiset, refuse, stay, to_flow

FLOW = "conference_room"
PROFILE = "default"
ROOM_NUMBER = re.compile(r"^[0-9]{2,8}\Z")  # as services.internal_numbers gives them
DESTINATION = re.compile(r"^(moderator|member)-([0-9]{1,16})\Z")
ADHOC_DESTINATION = re.compile(r"^adhoc-([A-Za-z0-9-]{1,64})\Z")
ROOM_KEY = re.compile(r"^[0-9]{1,16}\Z")
PIN_VARIABLE = "switchctl_conference_pin"
PIN_PATTERN = r"^\d{3,8}$"
NUMBER_PATTERN = re.compile(r"^\+?[0-9]{2,20}\Z")
INVITE_REALM = "switchctl_invite"
JOIN_KEYS, CANCEL_KEYS = "**", "*#"
INVITE_RING_SECONDS = 30


def room_name(key, domain):
    """mod_conference's name of a room: ``<number>-<domain>``; an ad-hoc room's is
    ``adhoc-<uuid>`` alone (a uuid names one room on the switch, and an outside party moved
    in with the initiator is routed in the default domain, maybe not the initiator's)."""
    return key if key.startswith("adhoc-") else f"{key}-{domain}"


def join(key, domain, moderator=False):
    """The ``conference`` application's data: ``<name>@<profile>[+flags{moderator}]``."""
    flags = "+flags{moderator}" if moderator else ""
    return f"{room_name(key, domain)}@{PROFILE}{flags}"


def find_room(domain, number):
    """The room ``number`` of the domain named ``domain``, or None."""
    return ConferenceRoom.select().join(Domain) \
        .where(ConferenceRoom.number == number, Domain.name == domain).first()


def dial_room(call):
    """A dialled conference room number (a Dialled): its route, or None."""
    if not ROOM_NUMBER.match(call.number):  # an outside number costs no query here
        return None
    room = ConferenceRoom.get_or_none(ConferenceRoom.domain == call.caller.domain_id,
                                      ConferenceRoom.number == call.number)
    if room is None:
        return None
    return to_flow("conference-room", FLOW, **{variables.CONFERENCE_ROOM: room.id})


def route_conference(request, domain):
    """The ``conference`` context: a party switchctl moves into a room. Never one a phone's
    REFER sends here (its Refer-To would name the room and the role)."""
    if request.variable("sip_refer_to"):
        return refuse("conference-referred", prompts.NOT_PERMITTED, "CALL_REJECTED")
    found = DESTINATION.match(request.destination)
    if found is not None:
        role, number = found.groups()
        if find_room(domain, number) is None:
            return stay("conference-gone", prompts.CANNOT_COMPLETE)
        return _enter(join(number, domain, moderator=role == "moderator"))
    found = ADHOC_DESTINATION.match(request.destination)
    if found is not None:
        initiator = found.group(1)
        moderator = request.get("Unique-ID") == initiator
        return _enter(join(f"adhoc-{initiator}", domain, moderator=moderator))
    return None


def _enter(data):
    return Route("conference-join", (("answer", ""), ("conference", data)))


# *0 in a two-party call

def adhoc(call):
    """``*0``: the PIN the initiator sets is read, then ``conference_adhoc_move``."""
    if not call.other_uuid or not call.uuid:
        return stay("adhoc-alone", prompts.INVALID_ENTRY)
    return Route("conference-adhoc-pin", (
        ("play_and_get_digits", f"3 8 3 5000 # {prompts.CONF_PIN} {prompts.INVALID_ENTRY} "
                                f"{PIN_VARIABLE} {PIN_PATTERN} 3000"),
        ("execute_extension", f"conference_adhoc_move XML {contexts.IN_CALL}"),
    ))


def adhoc_move(call):
    """Both parties into a fresh room ``adhoc-<initiator's uuid>`` (the initiator as its
    moderator); no valid PIN entered: a prompt and the call goes on."""
    if not re.match(PIN_PATTERN, call.request.variable(PIN_VARIABLE)):
        return stay("adhoc-no-pin", prompts.CONF_BAD_PIN)
    if not call.other_uuid or not call.uuid:
        return stay("adhoc-alone", prompts.INVALID_ENTRY)
    return Route("conference-adhoc", (
        ("transfer", f"-both adhoc-{call.uuid} XML {contexts.CONFERENCE}"),
    ))


# A moderator's 0: the invite

def _room_of(call):
    """(key, domain) of the room the presser is in (mod_conference's conference_name on
    its leg), or None."""
    name, suffix = call.request.trusted_variable(variables.CONFERENCE_NAME), f"-{call.domain}"
    if ADHOC_DESTINATION.match(name):
        return name
    key = name[:-len(suffix)] if name.endswith(suffix) else ""
    return key if ROOM_KEY.match(key) else None


def invite(call):
    """A moderator's ``0``: the number to invite, read after a dial tone."""
    if _room_of(call) is None:
        return stay("invite-no-room", prompts.INVALID_ENTRY)
    return Route("conference-invite-number", (
        ("play_and_get_digits", f"2 20 1 8000 # {prompts.DIAL_TONE} {prompts.INVALID_ENTRY} "
                                f"{variables.INVITE_NUMBER} ^\\+?\\d{{2,20}}$ 3000"),
        ("execute_extension", f"conference_invite_dial XML {contexts.IN_CALL}"),
    ))


def _invitee(call, number):
    """The dial string for ``number`` with the moderator's rights, or a refusal prompt."""
    presser = call.presser
    if number == presser.number:
        return None, prompts.INVALID_ENTRY
    found = extension_records(call.domain, number)
    if number in found:
        return f"user/{number}@{call.domain}", None
    trunk = routing.trunk(call.domain, number)
    if trunk is None:
        return None, prompts.CANNOT_COMPLETE
    gateway, external = trunk
    if not presser.outbound_allowed or blacklist.is_listed(presser.domain_id, external) \
            or blacklist.is_listed(presser.domain_id, number):
        return None, prompts.NOT_PERMITTED
    caller_id = presser.outbound_caller_id
    prefix = f"[origination_caller_id_number={caller_id}]" if caller_id else ""
    return f"{prefix}sofia/gateway/{gateway}/{external}", None


def invite_dial(call, new_uuid=None):
    """Ring the number read, the admin bridged to it with ``**`` (bring it in) and ``*#``
    (cancel) bound; refused numbers: a prompt, back to the room."""
    key = _room_of(call)
    number = call.request.variable(variables.INVITE_NUMBER)
    if key is None or not NUMBER_PATTERN.match(number):
        return stay("invite-invalid", prompts.INVALID_ENTRY)
    dial, refused = _invitee(call, number)
    if refused:
        return stay("invite-refused", refused)
    invitee = new_uuid or str(uuids.uuid4())
    joined = f"member-{key}" if key.isdigit() else key
    realm = INVITE_REALM
    return Route("conference-invite", (
        multiset(hangup_after_bridge="false", continue_on_fail="true",
                 bind_digit_digit_timeout="2000"),
        ("clear_digit_action", realm),
        ("bind_digit_action", f"{realm},{JOIN_KEYS},api:uuid_transfer,"
                              f"{invitee} {joined} XML {contexts.CONFERENCE},self,self"),
        ("bind_digit_action", f"{realm},{CANCEL_KEYS},api:uuid_kill,{invitee},self,self"),
        ("digit_action_set_realm", realm),
        # A REFER by the invitee's phone moves the admin's leg, which was last routed in the
        # conference context: into ours instead, where it is its own call.
        ("export", f"force_transfer_context={contexts.INTERNAL}"),
        ("bridge", f"{{origination_uuid={invitee},leg_timeout={INVITE_RING_SECONDS}}}{dial}"),
        ("clear_digit_action", realm),
    ))


IN_CALL = {"conference_adhoc": adhoc, "conference_adhoc_move": adhoc_move,
           "conference_invite": invite, "conference_invite_dial": invite_dial}

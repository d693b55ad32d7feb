"""The channel variables switchctl sets on calls and reads back (all ``switchctl_*``).

FreeSWITCH's own variables keep their names where they are used; these are ours, so
that the dialplan that sets one and the code that reads it agree on one spelling.
"""

# The extensions a call has tried, comma-separated (forwarding loops end at MAX_HOPS).
PATH = "switchctl_path"
# "true" on a call rung through an extension's follow-me list.
FOLLOW_ME = "switchctl_follow_me"
# "true" on the leg click-to-dial originates to the user's own phone (user/NUMBER@DOMAIN):
# its call record is the user's call to the number dialled (xml_cdr.parse reads it).
CLICK_TO_DIAL = "switchctl_click_to_dial"
# Digits a caller entered at a dialplan prompt (the blacklist's number).
DIGITS = "switchctl_digits"
# The call flow (switchctl.ivr.FLOWS) the outbound socket runs for this call.
FLOW = "switchctl_flow"
# Digits collected by a call flow's play_and_get_digits.
COLLECTED = "switchctl_collected"
# The mailbox menu: which mailbox it opens, "own" (the caller's, *61) or "main" (asked for,
# *60, in the caller's domain); the caller's extension (its id), set by our dialplan from
# the caller's identity.
MAILBOX_MENU = "switchctl_mailbox_menu"
MAILBOX_MENU_MODES = ("own", "main")
MAILBOX_MENU_CALLER = "switchctl_mailbox_menu_caller"
# Wake-up calls: the extension (its id) a wake-up menu call acts for, set by our dialplan
# from the caller's identity; what the menu flow is to do (WAKEUP_ACTIONS); the MMDDHHMM
# dialled with *55*; on a wake-up call switchctl placed, the wake-up call's id.
WAKEUP_EXTENSION = "switchctl_wakeup_extension"
WAKEUP_ACTION = "switchctl_wakeup_action"
WAKEUP_ACTIONS = ("menu", "schedule", "cancel_all")
WAKEUP_WHEN = "switchctl_wakeup_when"
WAKEUP_CALL = "switchctl_wakeup_call"
# Leaving a message: the mailbox (its extension number, in the channel's domain_name) and
# why the call reached it (switchctl.freeswitch.outcome: busy, no_answer, unavailable).
MAILBOX = "switchctl_mailbox"
VOICEMAIL_REASON = "switchctl_voicemail_reason"
# One-touch recording: on the leg that pressed *1, the id of the Recording it runs.
RECORDING = "switchctl_recording"
# Conference rooms: the room (its id) a call to a room's flow is for; the number the room's
# admin entered to invite (read by the in-call invite step); mod_conference's own name of
# the room a member is in.
CONFERENCE_ROOM = "switchctl_conference_room"
INVITE_NUMBER = "switchctl_invite_number"
CONFERENCE_NAME = "conference_name"

# Queue agents (manual §2.7): what the queue_agent flow is to do (log in, log out, pause,
# unpause) and for which extension (its id), set by our dialplan before the socket.
QUEUE_AGENT_ACTION = "switchctl_queue_agent_action"
QUEUE_AGENT_ACTIONS = ("login", "logout", "pause", "unpause")
QUEUE_AGENT_EXTENSION = "switchctl_queue_agent_extension"
# Fax: on the leg switchctl originates to send a fax, the FaxJob's id; on a call the
# dialplan answers with rxfax, the fax number it called (in the channel's domain_name).
FAX_JOB = "switchctl_fax_job"
FAX_NUMBER = "switchctl_fax_number"

"""Every prompt the dialplan and the call flows play, in one place, a section per feature.

Names are FreeSWITCH's standard English sounds (the "callie" set installed with
FreeSWITCH's sounds packages), relative to the language's ``sound_prefix``, or
tone streams that mod_tone_stream generates. Tests check that every prompt the
XML refers to is listed in STANDARD_SOUNDS or TONES. A new feature adds its section.
"""

# Calls: ringing, refusals, errors (every feature).
RINGBACK = "%(2000,4000,440,480)"
USER_BUSY = "ivr/ivr-user_busy.wav"
NOT_AVAILABLE = "voicemail/vm-not_available_no_voicemail.wav"
CANNOT_COMPLETE = "ivr/ivr-call_cannot_be_completed_as_dialed.wav"
NOT_PERMITTED = "ivr/ivr-not_have_permission.wav"
INVALID_ENTRY = "ivr/ivr-that_was_an_invalid_entry.wav"
ERROR = "misc/error.wav"
TONES = {RINGBACK: "US ringback (2 s on, 4 s off), used as the ringback variable"}
STANDARD_SOUNDS = {
    USER_BUSY: "User busy",
    NOT_AVAILABLE: "The person you are trying to reach is not available "
                   "and does not have voicemail",
    CANNOT_COMPLETE: "Your call cannot be completed as dialed",
    NOT_PERMITTED: "You do not have permission to perform this action",
    INVALID_ENTRY: "That was an invalid entry",
    ERROR: "An error has occurred, please contact the administrator",
}

# Forwarding and do-not-disturb (manual §2.10, §2.11).
FORWARD_SET = "ivr/ivr-call_forwarding_has_been_set.wav"
FORWARD_CANCELLED = "ivr/ivr-call_forwarding_has_been_cancelled.wav"
DND_ON = "ivr/ivr-dnd_activated.wav"
DND_OFF = "ivr/ivr-dnd_cancelled.wav"
STANDARD_SOUNDS.update({
    FORWARD_SET: "Call forwarding has been set",
    FORWARD_CANCELLED: "Call forwarding has been cancelled",
    DND_ON: "Do not disturb is now activated",
    DND_OFF: "Do not disturb has been cancelled",
})

# Blacklist (manual §2.5).
BLACKLIST_ENTER = "ivr/ivr-enter_number_to_add_to_blacklist.wav"
BLACKLIST_ADDED = "ivr/ivr-has_been_added_to_the_blacklist.wav"
BLACKLIST_ALREADY = "ivr/ivr-is_already_on_the_blacklist.wav"
BLACKLIST_REMOVED = "ivr/ivr-has_been_removed_from_blacklist.wav"
BLACKLIST_NOT_LISTED = "ivr/ivr-is_not_on_the_blacklist.wav"
STANDARD_SOUNDS.update({
    BLACKLIST_ENTER: "Please enter the number to be added to the blacklist",
    BLACKLIST_ADDED: "...has been added to the blacklist",
    BLACKLIST_ALREADY: "...is already on the blacklist",
    BLACKLIST_REMOVED: "...has been removed from the blacklist",
    BLACKLIST_NOT_LISTED: "...is not on the blacklist",
})

# Announcements (manual §2.12).
EXTENSION_NUMBER = "ivr/ivr-extension_number.wav"
STANDARD_SOUNDS.update({EXTENSION_NUMBER: "Extension number..."})

# The mailbox menu (manual §2.1: *61 own mailbox, *60 main menu). Its menus are sequences
# (prompts.sequence) of these, "press" (PRESS) and the keys (KEYS; key() elsewhere).
VM_ENTER_ID = "voicemail/vm-enter_id.wav"
VM_ENTER_PASS = "voicemail/vm-enter_pass.wav"
VM_FOLLOWED_BY_POUND = "digits/pound.wav"
VM_FAIL_AUTH = "voicemail/vm-fail_auth.wav"
VM_ABORT = "voicemail/vm-abort.wav"
VM_YOU_HAVE = "voicemail/vm-you_have.wav"
VM_NEW = "voicemail/vm-new.wav"
VM_SAVED = "voicemail/vm-saved.wav"
VM_MESSAGE = "voicemail/vm-message.wav"
VM_MESSAGES = "voicemail/vm-messages.wav"
VM_LISTEN_NEW = "voicemail/vm-listen_new.wav"
VM_LISTEN_SAVED = "voicemail/vm-listen_saved.wav"
VM_ADVANCED = "voicemail/vm-advanced.wav"
VM_RECEIVED = "voicemail/vm-received.wav"
VM_MESSAGE_FROM = "voicemail/vm-message_from.wav"
VM_ANONYMOUS = "ivr/ivr-anonymous_caller.wav"
VM_REPEAT_MESSAGE = "voicemail/vm-repeat_message.wav"
VM_SAVE_MESSAGE = "voicemail/vm-save_message.wav"
VM_RETURN_CALL = "voicemail/vm-return_call.wav"
VM_NEXT_MESSAGE = "voicemail/vm-play_next_message.wav"
VM_DELETE_MESSAGE = "voicemail/vm-delete_message.wav"
VM_MAIN_MENU = "voicemail/vm-main_menu.wav"
VM_DELETED = "voicemail/vm-deleted.wav"
VM_NO_MORE_MESSAGES = "voicemail/vm-no_more_messages.wav"
VM_TO_RECORD_GREETING = "voicemail/vm-to_record_greeting.wav"
VM_DELETE_GREETING = "voicemail/vm-delete_greeting.wav"
VM_CHANGE_PASSWORD = "voicemail/vm-change_password.wav"
VM_GREETING = "voicemail/vm-greeting.wav"
VM_NOT_AVAILABLE = "voicemail/vm-not_available.wav"
VM_RECORD_GREETING = "voicemail/vm-record_greeting.wav"
VM_LISTEN_TO_RECORDING = "voicemail/vm-listen_to_recording.wav"
VM_SAVE_RECORDING = "voicemail/vm-save_recording.wav"
VM_RERECORD = "voicemail/vm-rerecord.wav"
VM_TOO_SMALL = "voicemail/vm-too-small.wav"
VM_ENTER_NEW_PIN = "voicemail/vm-enter_new_pin.wav"
VM_PIN_CHANGED = "voicemail/vm-password_has_been_changed.wav"
VM_PIN_NOT_VALID = "voicemail/vm-password_not_valid.wav"
VM_PIN_TOO_SHORT = "voicemail/vm-pin_below_minimum_length.wav"
VM_MINIMUM_PIN_LENGTH_IS = "voicemail/vm-minimum_pin_length_is.wav"
KEYS = {digit: f"digits/{digit}.wav" for digit in "0123456789"}
VM_BEEP = "tone_stream://%(1000,0,640)"
TONES[VM_BEEP] = "A beep of 1 s at 640 Hz: record after it"
STANDARD_SOUNDS.update({
    VM_ENTER_ID: "Please enter your I D, followed by...",
    VM_ENTER_PASS: "Please enter your password, followed by...",
    VM_FOLLOWED_BY_POUND: "Pound",
    VM_FAIL_AUTH: "Login incorrect",
    VM_ABORT: "Too many failed attempts",
    VM_YOU_HAVE: "You have...",
    VM_NEW: "new",
    VM_SAVED: "saved",
    VM_MESSAGE: "message",
    VM_MESSAGES: "messages",
    VM_LISTEN_NEW: "To listen to new messages...",
    VM_LISTEN_SAVED: "To listen to saved messages...",
    VM_ADVANCED: "For advanced options...",
    VM_RECEIVED: "Received...",
    VM_MESSAGE_FROM: "Message from...",
    VM_ANONYMOUS: "Anonymous caller",
    VM_REPEAT_MESSAGE: "To repeat this message...",
    VM_SAVE_MESSAGE: "To save this message...",
    VM_RETURN_CALL: "To return the call now...",
    VM_NEXT_MESSAGE: "To play the next message...",
    VM_DELETE_MESSAGE: "To delete this message...",
    VM_MAIN_MENU: "For the main menu...",
    VM_DELETED: "deleted",
    VM_NO_MORE_MESSAGES: "No more messages",
    VM_TO_RECORD_GREETING: "To record a greeting...",
    VM_DELETE_GREETING: "To delete greeting...",
    VM_CHANGE_PASSWORD: "To change your password...",
    VM_GREETING: "greeting",
    VM_NOT_AVAILABLE: "...is not available",
    VM_RECORD_GREETING: "Record your greeting at the tone, press any key or stop talking "
                        "to end the recording",
    VM_LISTEN_TO_RECORDING: "To listen to the recording...",
    VM_SAVE_RECORDING: "To save the recording...",
    VM_RERECORD: "To rerecord...",
    VM_TOO_SMALL: "Your recording is below the minimum acceptable length, please try again",
    VM_ENTER_NEW_PIN: "Please enter your new password, then press the pound key",
    VM_PIN_CHANGED: "Your password has been changed",
    VM_PIN_NOT_VALID: "The password you entered is not valid on this system",
    VM_PIN_TOO_SHORT: "The PIN you entered is below the minimum length",
    VM_MINIMUM_PIN_LENGTH_IS: "The minimum PIN length is...",
    **{sound: digit for digit, sound in KEYS.items()},
})


def key(digit):
    """The recording of a menu's key, 0-9 ("press" ``key("1")``)."""
    return KEYS[digit]


# Wake-up calls (manual §2.9). The set has no "enter the time" or "snooze" recording:
# those prompts are sequences of the recordings below.
WAKEUP_THIS_IS = "ivr/ivr-this_is_your_wakeup_call.wav"
WAKEUP_TO_REQUEST = "ivr/ivr-request_wakeup_call.wav"
WAKEUP_TO_CONFIRM = "ivr/ivr-confirm_wakeup_call.wav"
WAKEUP_TO_CANCEL = "ivr/ivr-cancel_wakeup_call.wav"
WAKEUP_REQUESTED_FOR = "ivr/ivr-requested_wakeup_call_for.wav"
WAKEUP_NONE = "ivr/ivr-not_requested_wakeup_call.wav"
WAKEUP_CANCELLED = "ivr/ivr-wakeup_call_cancelled.wav"
WAKEUP_ONE_TIME = "ivr/ivr-one_time_wakeup_call.wav"
PLEASE_ENTER_THE = "ivr/ivr-please_enter_the.wav"
FOLLOWED_BY_POUND = "ivr/ivr-followed_by_pound.wav"
TO_ACCEPT_PRESS_ONE = "ivr/ivr-to_accept_press_one.wav"
PRESS = "voicemail/vm-press.wav"
THANK_YOU = "ivr/ivr-thank_you.wav"
GOODBYE = "voicemail/vm-goodbye.wav"
# play_and_get_digits' "invalid" prompt where a key is optional: nothing is said.
NO_PROMPT = "silence_stream://250"
TONES[NO_PROMPT] = "a quarter of a second of silence (a prompt that says nothing)"
STANDARD_SOUNDS.update({
    WAKEUP_THIS_IS: "This is your wakeup call.",
    WAKEUP_TO_REQUEST: "To request a wakeup call...",
    WAKEUP_TO_CONFIRM: "To confirm a wakeup call...",
    WAKEUP_TO_CANCEL: "To cancel a wakeup call...",
    WAKEUP_REQUESTED_FOR: "You have requested a wakeup call for...",
    WAKEUP_NONE: "You have not requested a wakeup call.",
    WAKEUP_CANCELLED: "Your wakeup call has been cancelled.",
    WAKEUP_ONE_TIME: "One-time wakeup call...",
    PLEASE_ENTER_THE: "Please enter the...",
    FOLLOWED_BY_POUND: "...followed by the pound or hash key.",
    TO_ACCEPT_PRESS_ONE: "To accept, press 1.",
    PRESS: "press",
    THANK_YOU: "Thank you.",
    GOODBYE: "goodbye",
})


def sequence(*names):
    """Several prompts played as one (``file_string://a!b``), where an application takes
    one file (play_and_get_digits); each is looked up under the sound prefix."""
    return "file_string://" + "!".join(names)


# Leaving a message (manual §2.1): the default greeting, "The person at extension 1 0 2 is
# not available" (busy: "... user busy"), is one playback so that 0 (the operator) and #
# (skip it) work all through it. Then VM_BEEP, and GOODBYE once the message is recorded.
VM_PERSON = "voicemail/vm-person.wav"
STANDARD_SOUNDS.update({VM_PERSON: "The person at extension..."})


def default_greeting(number, busy=False):
    """The greeting of mailbox ``number`` (digits) that has none of its own."""
    return sequence(VM_PERSON, *(KEYS[digit] for digit in number),
                    USER_BUSY if busy else VM_NOT_AVAILABLE)


def is_known(prompt):
    return prompt in STANDARD_SOUNDS or prompt in TONES


# One-touch recording (manual §2.12, ``*1`` in a call): both parties hear one beep when
# recording starts, two when it stops.
RECORDING_STARTED = "tone_stream://%(400,0,1400)"
RECORDING_STOPPED = "tone_stream://%(200,150,1400);%(200,0,1400)"
TONES.update({RECORDING_STARTED: "one beep: this call is being recorded",
              RECORDING_STOPPED: "two beeps: the recording of this call stopped"})


# Conference rooms (manual §2.8): the PIN asked when a room is dialled (and the PIN an
# ad-hoc room's initiator sets), a wrong one, and the dial tone the admin hears to invite.
CONF_PIN = "conference/conf-pin.wav"
CONF_BAD_PIN = "conference/conf-bad-pin.wav"
DIAL_TONE = "tone_stream://%(10000,0,350,440)"
STANDARD_SOUNDS.update({CONF_PIN: "Please enter the conference PIN number",
                        CONF_BAD_PIN: "That is not a valid PIN"})
TONES.update({DIAL_TONE: "US dial tone (350 + 440 Hz): enter the number to invite"})


# Queue agents (manual §2.7): *62# logged in, *062# logged out, *95# / *095# paused and
# back (tones: the sound set says nothing of a break), a non-agent's code refused.
AGENT_LOGGED_IN = "ivr/ivr-you_are_now_logged_in.wav"
AGENT_LOGGED_OUT = "ivr/ivr-you_are_now_logged_out.wav"
AGENT_PAUSED = "tone_stream://%(300,200,600);%(300,0,600)"
AGENT_UNPAUSED = "tone_stream://%(300,200,900);%(300,0,1200)"
STANDARD_SOUNDS.update({AGENT_LOGGED_IN: "You are now logged in.",
                        AGENT_LOGGED_OUT: "You are now logged out."})
TONES.update({AGENT_PAUSED: "two low beeps: this agent takes no queue calls now",
              AGENT_UNPAUSED: "two rising beeps: this agent takes queue calls again"})

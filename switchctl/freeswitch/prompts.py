"""Every prompt the dialplan and the call flows play, in one place.

Names are FreeSWITCH's standard English sounds (the "callie" set installed with
FreeSWITCH's sounds packages), relative to the language's ``sound_prefix``, or
tone streams that mod_tone_stream generates. Tests check that every prompt the
XML refers to is listed here.
"""

USER_BUSY = "ivr/ivr-user_busy.wav"
NOT_AVAILABLE = "voicemail/vm-not_available_no_voicemail.wav"
CANNOT_COMPLETE = "ivr/ivr-call_cannot_be_completed_as_dialed.wav"
NOT_PERMITTED = "ivr/ivr-not_have_permission.wav"
RINGBACK = "%(2000,4000,440,480)"

STANDARD_SOUNDS = {
    USER_BUSY: "User busy",
    NOT_AVAILABLE: "The person you are trying to reach is not available "
                   "and does not have voicemail",
    CANNOT_COMPLETE: "Your call cannot be completed as dialed",
    NOT_PERMITTED: "You do not have permission to perform this action",
}
TONES = {RINGBACK: "US ringback (2 s on, 4 s off), used as the ringback variable"}

FORWARD_SET = "ivr/ivr-call_forwarding_has_been_set.wav"
FORWARD_CANCELLED = "ivr/ivr-call_forwarding_has_been_cancelled.wav"
DND_ON = "ivr/ivr-dnd_activated.wav"
DND_OFF = "ivr/ivr-dnd_cancelled.wav"
INVALID_ENTRY = "ivr/ivr-that_was_an_invalid_entry.wav"
BLACKLIST_ENTER = "ivr/ivr-enter_number_to_add_to_blacklist.wav"
BLACKLIST_ADDED = "ivr/ivr-has_been_added_to_the_blacklist.wav"
BLACKLIST_ALREADY = "ivr/ivr-is_already_on_the_blacklist.wav"
BLACKLIST_REMOVED = "ivr/ivr-has_been_removed_from_blacklist.wav"
BLACKLIST_NOT_LISTED = "ivr/ivr-is_not_on_the_blacklist.wav"
EXTENSION_NUMBER = "ivr/ivr-extension_number.wav"
ERROR = "misc/error.wav"

STANDARD_SOUNDS.update({
    FORWARD_SET: "Call forwarding has been set",
    FORWARD_CANCELLED: "Call forwarding has been cancelled",
    DND_ON: "Do not disturb is now activated",
    DND_OFF: "Do not disturb has been cancelled",
    INVALID_ENTRY: "That was an invalid entry",
    BLACKLIST_ENTER: "Please enter the number to be added to the blacklist",
    BLACKLIST_ADDED: "...has been added to the blacklist",
    BLACKLIST_ALREADY: "...is already on the blacklist",
    BLACKLIST_REMOVED: "...has been removed from the blacklist",
    BLACKLIST_NOT_LISTED: "...is not on the blacklist",
    EXTENSION_NUMBER: "Extension number...",
    ERROR: "An error has occurred, please contact the administrator",
})


def is_known(prompt):
    return prompt in STANDARD_SOUNDS or prompt in TONES

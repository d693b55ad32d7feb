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


def is_known(prompt):
    return prompt in STANDARD_SOUNDS or prompt in TONES

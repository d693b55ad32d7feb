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


def is_known(prompt):
    return prompt in STANDARD_SOUNDS or prompt in TONES

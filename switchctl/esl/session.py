"""The one seam between call flows and the switch: a call, as a flow sees it.

Wraps greenswitch's OutboundSession (the dialplan's ``socket`` application
connected to us): each method runs one dialplan application and waits for its
CHANNEL_EXECUTE_COMPLETE. A caller who hangs up ends the flow with CallerHungUp,
a normal end; so does a switch that stops answering.
"""

import dataclasses

import gevent
from greenswitch.esl import NotConnectedError, OutboundSessionHasGoneAway

from switchctl.freeswitch import variables

APP_TIMEOUT = 120  # no application of ours runs longer (a recording gets its own length)
RECORD_MARGIN = 30  # seconds a record may run past its limit (silence detection, the write)
# The cause the switch hangs a call up with when record cannot open its file.
RECORD_FILE_FAILED = "DESTINATION_OUT_OF_ORDER"


class CallerHungUp(Exception):
    """The call is over: the flow stops here."""


@dataclasses.dataclass(frozen=True)
class Recording:
    """How a ``record`` ended, from its CHANNEL_EXECUTE_COMPLETE: the caller hung up, the
    length the switch wrote (``record_ms``, None when it did not say), whether silence
    ended it (``silence_hits_exhausted``), the key that did (``playback_terminator_used``)
    and the call's ``Hangup-Cause`` when it is down."""

    hung_up: bool
    milliseconds: int | None = None
    silence_ended: bool = False
    terminator: str = ""
    hangup_cause: str = ""

    @classmethod
    def from_completion(cls, headers):
        length = headers.get("variable_record_ms", "")
        return cls(hung_up=headers.get("Answer-State") == "hangup",
                   milliseconds=int(length) if length.isascii() and length.isdigit() else None,
                   silence_ended=headers.get("variable_silence_hits_exhausted") == "true",
                   terminator=headers.get("variable_playback_terminator_used", ""),
                   hangup_cause=headers.get("Hangup-Cause", ""))

    @property
    def switch_failed(self):
        """The switch did not record, though the caller had not hung up before it began:
        it sets record_ms whenever it recorded (0 for a caller who said nothing), and when
        it cannot open the file it hangs the call up DESTINATION_OUT_OF_ORDER
        (switch_ivr_play_say.c); a call already down when record began gets neither."""
        if self.milliseconds is not None:
            return False
        return not self.hung_up or self.hangup_cause == RECORD_FILE_FAILED


class CallSession:
    def __init__(self, session, timeout=APP_TIMEOUT):
        self.session = session
        self.timeout = timeout
        self.handed_on = False  # transferred: the call goes on without us

    @property
    def variables(self):
        """The channel's variables when it connected (``variable_*`` headers)."""
        return self.session.session_data or {}

    def variable(self, name, default=""):
        return self.variables.get(f"variable_{name}", default)

    def execute(self, application, argument="", hangup_ends_it=False, timeout=None):
        """Run one application; return the headers of its CHANNEL_EXECUTE_COMPLETE.

        A caller who hangs up during it raises CallerHungUp, unless ``hangup_ends_it``
        (hanging up is how a caller finishes a recording): then the headers come back,
        with ``Answer-State: hangup``, and the next application raises. ``timeout``
        (seconds) replaces the session's for this one application."""
        limit = timeout or self.timeout
        try:
            with gevent.Timeout(limit, CallerHungUp(f"{application} never completed")):
                event = self.session.call_command(application, argument or None, block=True)
        except (OutboundSessionHasGoneAway, NotConnectedError, OSError):
            raise CallerHungUp(application) from None
        # A caller hanging up mid-application still gets a CHANNEL_EXECUTE_COMPLETE (the
        # application was cut short), but on a channel that is down.
        if event is None:
            raise CallerHungUp(application)
        if event.headers.get("Answer-State") == "hangup" and not hangup_ends_it:
            raise CallerHungUp(application)
        return event.headers

    def answer(self):
        self.execute("answer")

    def play(self, prompt):
        self.execute("playback", prompt)

    def say(self, text, kind="number", method="iterated"):
        """mod_say: ``say en <kind> <method> <text>``."""
        self.execute("say", f"en {kind} {method} {text}")

    def say_wall_clock(self, moment):
        """Say the naive ``moment`` as the date and time it shows. mod_say_en reads
        ``YYYY-MM-DD HH:MM:SS`` as the switch's local time and says it in that same zone,
        so the wall-clock time given is the one said, whatever the switch's zone (quoted:
        the ``say`` application splits its argument at spaces)."""
        self.say(f"'{moment:%Y-%m-%d %H:%M:%S}'", kind="current_date_time", method="pronounced")

    def collect_digits(self, prompt, invalid_prompt, minimum=1, maximum=1, tries=3,
                       timeout_ms=5000, terminators="#", regex="\\d+", digit_timeout_ms=3000):
        """``play_and_get_digits`` with every argument given (FreeSWITCH reads them by
        position); returns the digits, or "" when none valid came."""
        completed = self.execute("play_and_get_digits", " ".join(str(part) for part in (
            minimum, maximum, tries, timeout_ms, terminators, prompt, invalid_prompt,
            variables.COLLECTED, regex, digit_timeout_ms)))
        return completed.get(f"variable_{variables.COLLECTED}", "")

    def record(self, path, max_seconds, silence_threshold=200, silence_seconds=3):
        """``record <path> <max seconds> <silence threshold> <silence seconds>``; True
        when the caller ended it by hanging up (the recording is kept all the same)."""
        return self.recording(path, max_seconds, silence_threshold, silence_seconds).hung_up

    def recording(self, path, max_seconds, silence_threshold=200, silence_seconds=3):
        """The same ``record``, telling how it ended (a Recording). It may run for
        ``max_seconds`` whatever the session's timeout."""
        completed = self.execute("record", f"{path} {max_seconds} {silence_threshold} "
                                 f"{silence_seconds}", hangup_ends_it=True,
                                 timeout=max(self.timeout, max_seconds + RECORD_MARGIN))
        return Recording.from_completion(completed)

    def set(self, name, value):
        self.execute("set", f"{name}={value}")

    def transfer(self, destination, context):
        """Send the call on into the dialplan; it is no longer the flow's to hang up (the
        switch leaves the socket application and runs ``destination`` in ``context``)."""
        self.execute("transfer", f"{destination} XML {context}")
        self.handed_on = True

    def hangup(self, cause="NORMAL_CLEARING"):
        try:
            self.session.hangup(cause)
        except (OutboundSessionHasGoneAway, NotConnectedError, OSError):
            pass

"""The one seam between call flows and the switch: a call, as a flow sees it.

Wraps greenswitch's OutboundSession (the dialplan's ``socket`` application
connected to us): each method runs one dialplan application and waits for its
CHANNEL_EXECUTE_COMPLETE. A caller who hangs up ends the flow with CallerHungUp,
a normal end; so does a switch that stops answering.
"""

import gevent
from greenswitch.esl import NotConnectedError, OutboundSessionHasGoneAway

from switchctl.freeswitch import variables

APP_TIMEOUT = 120  # no application of ours runs longer (recordings are capped below it)


class CallerHungUp(Exception):
    """The call is over: the flow stops here."""


class CallSession:
    def __init__(self, session, timeout=APP_TIMEOUT):
        self.session = session
        self.timeout = timeout

    @property
    def variables(self):
        """The channel's variables when it connected (``variable_*`` headers)."""
        return self.session.session_data or {}

    def variable(self, name, default=""):
        return self.variables.get(f"variable_{name}", default)

    def execute(self, application, argument="", hangup_ends_it=False):
        """Run one application; return the headers of its CHANNEL_EXECUTE_COMPLETE.

        A caller who hangs up during it raises CallerHungUp, unless ``hangup_ends_it``
        (hanging up is how a caller finishes a recording): then the headers come back,
        with ``Answer-State: hangup``, and the next application raises."""
        try:
            with gevent.Timeout(self.timeout, CallerHungUp(f"{application} never completed")):
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
        completed = self.execute("record", f"{path} {max_seconds} {silence_threshold} "
                                 f"{silence_seconds}", hangup_ends_it=True)
        return completed.get("Answer-State") == "hangup"

    def set(self, name, value):
        self.execute("set", f"{name}={value}")

    def transfer(self, destination, context):
        self.execute("transfer", f"{destination} XML {context}")

    def hangup(self, cause="NORMAL_CLEARING"):
        try:
            self.session.hangup(cause)
        except (OutboundSessionHasGoneAway, NotConnectedError, OSError):
            pass

"""The wake-up codes (manual §2.9): ``*55#`` the menu, ``*55*MMDDHHMM`` booking directly,
``*055#`` cancelling every wake-up call of the extension.

The dialplan (switchctl.xml_curl.features.wakeup) sets what to do (``WAKEUP_ACTION``),
for which extension (``WAKEUP_EXTENSION``, from the caller's identity) and the dialled
time (``WAKEUP_WHEN``). The menu: 1 books a call (the time asked for as MMDDHHMM or
HHMM, then ``#``), 2 says each call booked, each with 1 to cancel it. A time that names
no moment (``02301200``, ``13011200``, hour 24) is refused with a prompt; a booked time
is said back. Every prompt waits, then is asked once more; then the call ends.
"""

import logging

from switchctl.freeswitch import prompts, variables
from switchctl.models import Extension
from switchctl.services import ValidationError, wakeup

log = logging.getLogger(__name__)
MAIN_MENU = prompts.sequence(prompts.WAKEUP_TO_REQUEST, prompts.PRESS, prompts.key("1"),
                             prompts.WAKEUP_TO_CONFIRM, prompts.PRESS, prompts.key("2"))
ENTER_TIME = prompts.sequence(prompts.PLEASE_ENTER_THE, prompts.WAKEUP_ONE_TIME,
                              prompts.FOLLOWED_BY_POUND)
CANCEL_IT = prompts.sequence(prompts.WAKEUP_TO_CANCEL, prompts.PRESS, prompts.key("1"))
TIME_DIGITS = r"^(\d{4}|\d{8})$"


def say_time(call, moment, zone):
    """Say ``moment`` (naive UTC) as the date and time it is in ``zone``."""
    call.say_wall_clock(wakeup.local_time(moment, zone))


class WakeupMenuFlow:
    def __init__(self, call, context):
        self.call = call
        self.context = context

    def run(self):
        extension = self._extension()
        action = self.call.variable(variables.WAKEUP_ACTION)
        if action not in variables.WAKEUP_ACTIONS:
            raise ValueError(f"wake-up flow: no action {action!r}")
        self.call.answer()
        if action == "menu":
            self._menu(extension)
        elif action == "schedule":
            self._book(extension, self.call.variable(variables.WAKEUP_WHEN))
        else:
            self._cancel_all(extension)

    def _extension(self):
        text = self.call.variable(variables.WAKEUP_EXTENSION)
        extension = Extension.get_or_none(Extension.id == int(text)) if text.isdigit() else None
        if extension is None:
            raise LookupError(f"wake-up flow: no extension {text!r}")
        return extension

    def _menu(self, extension):
        while True:
            choice = self.call.collect_digits(MAIN_MENU, prompts.INVALID_ENTRY, tries=2,
                                              regex="^[12]$")
            if choice == "1":
                self._book_entered(extension)
            elif choice == "2":
                self._review(extension)
            else:
                self.call.play(prompts.GOODBYE)
                return

    def _book_entered(self, extension):
        """Ask for the time, once more after nothing, bad digits (play_and_get_digits
        said so) or a time that names no moment."""
        for _ in range(2):
            digits = self.call.collect_digits(ENTER_TIME, prompts.INVALID_ENTRY, minimum=4,
                                              maximum=8, tries=1, timeout_ms=8000,
                                              regex=TIME_DIGITS)
            if digits and self._book(extension, digits):
                return

    def _book(self, extension, digits):
        """Book ``digits`` and say the time back; a time that names no moment gets the
        invalid-entry prompt. True when booked."""
        try:
            booked = wakeup.schedule(extension, digits, now=self.context.clock())
        except wakeup.WhenError as exc:
            log.info("wake-up call for %s refused: %s", extension.number, exc)
            self.call.play(prompts.INVALID_ENTRY)
            return False
        except ValidationError as exc:
            log.info("wake-up call for %s refused: %s", extension.number, exc)
            self.call.play(prompts.CANNOT_COMPLETE)
            return False
        self.call.play(prompts.WAKEUP_REQUESTED_FOR)
        say_time(self.call, booked.at, wakeup.settings(extension.domain_id).zone)
        return True

    def _review(self, extension):
        """Each call booked, said, with 1 to cancel it."""
        booked = wakeup.pending(extension)
        if not booked:
            self.call.play(prompts.WAKEUP_NONE)
            return
        zone = wakeup.settings(extension.domain_id).zone
        for row in booked:
            self.call.play(prompts.WAKEUP_REQUESTED_FOR)
            say_time(self.call, wakeup.when(row), zone)
            if self.call.collect_digits(CANCEL_IT, prompts.NO_PROMPT, tries=1,
                                        timeout_ms=4000, regex="^1$") == "1":
                if wakeup.cancel(extension, row.id):
                    self.call.play(prompts.WAKEUP_CANCELLED)

    def _cancel_all(self, extension):
        """``*055#``: every call booked cancelled, once the caller confirms with 1."""
        if not wakeup.pending(extension):
            self.call.play(prompts.WAKEUP_NONE)
            return
        if self.call.collect_digits(CANCEL_IT, prompts.INVALID_ENTRY, tries=2,
                                    regex="^1$") != "1":
            self.call.play(prompts.GOODBYE)
            return
        cancelled = wakeup.cancel_all(extension)
        log.info("wake-up calls of %s: %s cancelled", extension.number, cancelled)
        self.call.play(prompts.WAKEUP_CANCELLED)

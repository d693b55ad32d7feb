"""The mailbox menu (manual §2.1): ``*61#`` opens the caller's own mailbox, ``*60#`` asks
for a mailbox number of the caller's domain; then its PIN (three wrong ones end the call).
A mailbox that is disabled or has its voicemail off does not open: asked for by ``*60#``
it is refused as a wrong PIN is (numbers cannot be probed); by ``*61#`` the caller hears
that this is not permitted.

The dialplan (switchctl.xml_curl.features.voicemail) says which (``MAILBOX_MENU``) and who
calls (``MAILBOX_MENU_CALLER``, from the caller's identity). After the PIN the caller hears
how many new and saved messages there are, then the keys:

- main menu: 1 the new messages, then the saved ones; 2 the saved ones; 5 options.
- each message, after when it came and from whom: 1 replay, 2 save, 5 call the caller back
  (offered when the number can be dialled), 6 next, 7 delete, 0 main menu.
- options: 1 record a greeting, 3 erase one (then 1 the "unavailable" greeting, 2 the
  "busy" one), 6 change the PIN, 0 main menu; after recording: 1 listen, 2 save, 3 again.

Listening to a new message marks it read; saving and deleting light the lamp too. Every
prompt waits, is asked once more, then gives up (the main menu: goodbye). A caller hanging
up at any step leaves no half-done change: a greeting is stored only once confirmed, and a
take not stored is removed.
"""

import logging
from pathlib import Path

from switchctl.esl.session import CallerHungUp
from switchctl.freeswitch import contexts, prompts, variables
from switchctl.models import Extension
from switchctl.services import voicemail, voicemail_settings as settings
from switchctl.services.domains import outbound_routes, time_zone
from switchctl.services.extensions import extension_record
from switchctl.services.numbers import EXTERNAL_NUMBER

log = logging.getLogger(__name__)

MAX_PIN_TRIES = 3
TRIES = 2  # a prompt answered with nothing (or a wrong key) is asked once more
KEY_TIMEOUT_MS = 5000
ENTRY_TIMEOUT_MS = 8000
DIGIT_TIMEOUT_MS = 3000
MAX_NUMBER_LENGTH = 16
GREETING_MAX_SECONDS = 60
NOT_PLAYED = ("FILE NOT FOUND", "PLAYBACK ERROR")  # playback's Application-Response
PRESS = prompts.PRESS


def _menu(*options):
    """A prompt of ``(what, key)`` pairs: "what, press key", one after the other."""
    return prompts.sequence(*(part for what, key in options
                              for part in (what, PRESS, prompts.key(key))))


ENTER_MAILBOX = prompts.sequence(prompts.VM_ENTER_ID, prompts.VM_FOLLOWED_BY_POUND)
ENTER_PIN = prompts.sequence(prompts.VM_ENTER_PASS, prompts.VM_FOLLOWED_BY_POUND)
MAIN_MENU = _menu((prompts.VM_LISTEN_NEW, "1"), (prompts.VM_LISTEN_SAVED, "2"),
                  (prompts.VM_ADVANCED, "5"))
OPTIONS = _menu((prompts.VM_TO_RECORD_GREETING, "1"), (prompts.VM_DELETE_GREETING, "3"),
                (prompts.VM_CHANGE_PASSWORD, "6"), (prompts.VM_MAIN_MENU, "0"))
WHICH_GREETING = prompts.sequence(prompts.VM_GREETING, prompts.key("1"), prompts.VM_NOT_AVAILABLE,
                                  prompts.VM_GREETING, prompts.key("2"), prompts.USER_BUSY)
GREETING_KINDS = {"1": "unavailable", "2": "busy"}
GREETING_SAVED = prompts.sequence(prompts.VM_GREETING, prompts.VM_SAVED)
GREETING_DELETED = prompts.sequence(prompts.VM_GREETING, prompts.VM_DELETED)
REVIEW = _menu((prompts.VM_LISTEN_TO_RECORDING, "1"), (prompts.VM_SAVE_RECORDING, "2"),
               (prompts.VM_RERECORD, "3"))
PIN_REFUSALS = {
    settings.PIN_TOO_SHORT: (prompts.VM_PIN_TOO_SHORT, prompts.VM_MINIMUM_PIN_LENGTH_IS),
    settings.PIN_TOO_LONG: (prompts.VM_PIN_NOT_VALID,),
    settings.PIN_NOT_DIGITS: (prompts.VM_PIN_NOT_VALID,),
    settings.PIN_MISMATCH: (prompts.VM_PIN_NOT_VALID,),
}


def message_menu(call_back):
    """The keys after a message; 5 (call back) only when the number can be dialled."""
    options = [(prompts.VM_REPEAT_MESSAGE, "1"), (prompts.VM_SAVE_MESSAGE, "2")]
    if call_back:
        options.append((prompts.VM_RETURN_CALL, "5"))
    options += [(prompts.VM_NEXT_MESSAGE, "6"), (prompts.VM_DELETE_MESSAGE, "7"),
                (prompts.VM_MAIN_MENU, "0")]
    return _menu(*options), "".join(key for _, key in options)


def call_back_number(domain_name, number):
    """What to dial in the default context to call ``number`` back: an extension of the
    domain as it is, an outside number behind the domain's first outbound prefix; None
    when it cannot be dialled (no caller ID, or no outbound route)."""
    if not number:
        return None
    if number.isdigit() and extension_record(domain_name, number) is not None:
        return number
    if not EXTERNAL_NUMBER.match(number):
        return None
    routes = outbound_routes(domain_name)
    return routes[0].prefix + number if routes else None


def local_to_zone(moment, zone):
    """``moment``, a naive time of this machine's zone (as models.base.now stores it), as
    the naive wall-clock time it is in ``zone``."""
    return moment.astimezone().astimezone(zone).replace(tzinfo=None)


class CalledBack(Exception):
    """The caller chose to call the message's caller: the call went on in the dialplan."""


class VoicemailMenu:
    def __init__(self, call, context):
        self.call = call
        self.context = context

    @property
    def media(self):
        return self.context.config.media_folder

    def switch_path(self, relative):
        """A media file's path as the switch sees it."""
        return f"{self.context.config.switch_media_folder}/{relative}"

    def run(self):
        mode, caller = self._who()
        self.call.answer()
        box = self._log_in(mode, caller)
        if box is None:
            self.call.play(prompts.GOODBYE)
            return
        try:
            self._say_counts(box)
            self._main_menu(box)
        except CalledBack:
            return
        self.call.play(prompts.GOODBYE)

    def _who(self):
        mode = self.call.variable(variables.MAILBOX_MENU)
        text = self.call.variable(variables.MAILBOX_MENU_CALLER)
        caller = Extension.get_or_none(Extension.id == int(text)) if text.isdigit() else None
        if mode not in variables.MAILBOX_MENU_MODES or caller is None:
            raise LookupError(f"mailbox menu: mode {mode!r}, caller {text!r}")
        return mode, voicemail.mailbox_of(caller)

    # Asking.

    def choose(self, prompt, keys):
        """One key of ``keys`` for ``prompt``; "" when none came (the switch asked once
        more). A key the switch let through that is not on the menu is said to be invalid
        and the prompt asked once more."""
        for _ in range(TRIES):
            key = self.call.collect_digits(prompt, prompts.INVALID_ENTRY, tries=TRIES,
                                           timeout_ms=KEY_TIMEOUT_MS, regex=f"^[{keys}]$",
                                           digit_timeout_ms=DIGIT_TIMEOUT_MS)
            if key and key in keys:
                return key
            if not key:
                return ""
            self.call.play(prompts.INVALID_ENTRY)
        return ""

    def enter(self, prompt, longest):
        """Digits ended by ``#`` (or a pause); "" when none came."""
        return self.call.collect_digits(prompt, prompts.INVALID_ENTRY, maximum=longest,
                                        tries=TRIES, timeout_ms=ENTRY_TIMEOUT_MS,
                                        regex="^[0-9]+$", digit_timeout_ms=DIGIT_TIMEOUT_MS)

    # Logging in.

    def _log_in(self, mode, caller):
        """The mailbox once its PIN is given; None after MAX_PIN_TRIES wrong ones, and at
        once for one's own mailbox when its voicemail is off."""
        if mode == "own" and not caller.enabled:
            log.info("mailbox menu: %s@%s has its voicemail off", caller.number,
                     caller.domain_name)
            self.call.play(prompts.NOT_PERMITTED)
            return None
        for _ in range(MAX_PIN_TRIES):
            box = caller if mode == "own" else self._asked_mailbox(caller)
            if box is not False and self._pin_given(box):
                return box
            self.call.play(prompts.VM_FAIL_AUTH)
        log.info("mailbox menu: three wrong PINs from %s@%s", caller.number, caller.domain_name)
        self.call.play(prompts.VM_ABORT)
        return None

    def _asked_mailbox(self, caller):
        """The mailbox whose number the caller enters (None: no such mailbox, or one that
        is disabled or has its voicemail off, asked for its PIN all the same and refused
        as a wrong PIN is, so that numbers cannot be probed; False: nothing entered)."""
        number = self.enter(ENTER_MAILBOX, MAX_NUMBER_LENGTH)
        if not number:
            return False
        box = voicemail.mailbox(caller.domain_name, number)
        return box if box is not None and box.enabled else None

    def _pin_given(self, box):
        pin = self.enter(ENTER_PIN, settings.PIN_MAX_LENGTH + 1)
        return settings.check_pin(box.id if box else None, pin)

    # The messages.

    def _say_counts(self, box):
        found = voicemail.counts(box.domain_name, box.number)
        for count, folder in ((found.new, prompts.VM_NEW), (found.saved, prompts.VM_SAVED)):
            self.call.play(prompts.VM_YOU_HAVE)
            self.call.say(str(count), kind="number", method="pronounced")
            self.call.play(folder)
            self.call.play(prompts.VM_MESSAGE if count == 1 else prompts.VM_MESSAGES)

    def _main_menu(self, box):
        while True:
            key = self.choose(MAIN_MENU, "125")
            if key == "1":
                self._listen(box, saved_only=False)
            elif key == "2":
                self._listen(box, saved_only=True)
            elif key == "5":
                self._options(box)
            else:
                return

    def _listen(self, box, saved_only):
        """The messages in listening order (new first), until the caller asks for the main
        menu; one deleted meanwhile (the portal) is passed over."""
        uids = [m.uid for m in voicemail.listening_order(box) if m.read or not saved_only]
        for uid in uids:
            message = voicemail.find_message(box, uid)
            if message is not None and not self._message(box, message):
                return
        self.call.play(prompts.VM_NO_MORE_MESSAGES)

    def _message(self, box, message):
        """Play one message and its keys; False when the caller asked for the main menu."""
        self._envelope(box, message)
        call_back = call_back_number(box.domain_name, message.caller_number)
        prompt, keys = message_menu(call_back)
        while True:
            self._play(box, message)
            key = self.choose(prompt, keys)
            if key != "1":
                break
        if key == "0":
            return False
        if key == "2":
            self._save(box, message)
        elif key == "5":
            self._call_back(call_back)
        elif key == "7":
            self._delete(box, message)
        return True

    def _envelope(self, box, message):
        """When it came (as it was in the domain's zone) and from whom."""
        received = local_to_zone(message.received, time_zone(box.domain_id))
        self.call.play(prompts.VM_RECEIVED)
        self.call.say_wall_clock(received)
        self.call.play(prompts.VM_MESSAGE_FROM)
        digits = message.caller_number.lstrip("+")
        if digits.isascii() and digits.isdigit():
            self.call.say(digits)
        else:
            self.call.play(prompts.VM_ANONYMOUS)

    def _play(self, box, message):
        """Play the message; heard, it is read. One the switch cannot play (its file gone
        or broken) is logged, said to be an error and left as it was."""
        played = self.call.execute("playback", self.switch_path(message.path))
        response = played.get("Application-Response", "")
        if response in NOT_PLAYED:
            log.error("mailbox menu: the switch could not play message %s of %s@%s (%s, "
                      "%s)", message.uid, box.number, box.domain_name, response, message.path)
            self.call.play(prompts.ERROR)
            return
        if voicemail.mark_read(box, message.uid):
            self._changed(box)

    def _save(self, box, message):
        if voicemail.mark_read(box, message.uid):
            self._changed(box)
        self.call.play(prompts.sequence(prompts.VM_MESSAGE, prompts.VM_SAVED))

    def _delete(self, box, message):
        try:
            deleted = voicemail.delete_message(self.media, box, message.uid)
        except OSError as exc:
            log.error("mailbox menu: message %s of %s@%s cannot be deleted: %s", message.uid,
                      box.number, box.domain_name, exc)
            self.call.play(prompts.ERROR)
            return
        if deleted:
            self._changed(box)
        self.call.play(prompts.sequence(prompts.VM_MESSAGE, prompts.VM_DELETED))

    def _call_back(self, number):
        self.call.transfer(number, contexts.INTERNAL)
        raise CalledBack(number)

    def _changed(self, box):
        self.context.mailbox_changed(box.domain_name, box.number)

    # Options: greetings and the PIN.

    def _options(self, box):
        actions = {"1": self._record_greeting, "3": self._erase_greeting, "6": self._change_pin}
        while True:
            action = actions.get(self.choose(OPTIONS, "1360"))
            if action is None:
                return
            action(box)

    def _which_greeting(self):
        return GREETING_KINDS.get(self.choose(WHICH_GREETING, "12"))

    def _record_greeting(self, box):
        kind = self._which_greeting()
        while kind is not None and self._take(box, kind):
            pass

    def _take(self, box, kind):
        """Record one take of the ``kind`` greeting, let the caller hear it, store it when
        told to; True to record another. A take not stored is removed, hang-up or not."""
        relative = settings.new_greeting_path(self.media, box.id, kind)
        stored = False
        try:
            if not self._record(box, kind, relative):
                return False
            key = self._review(relative)
            if key == "2":
                stored = self._store(box, kind, relative)  # before any prompt: a hang-up
                self.call.play(GREETING_SAVED if stored else prompts.VM_TOO_SMALL)
                return not stored
            return key == "3"
        finally:
            if not stored:
                settings.discard_recording(self.media, relative)

    def _record(self, box, kind, relative):
        """The switch records a take at ``relative``; False when it could not (its folder
        not writable for it, or not where SWITCHCTL_SWITCH_MEDIA says): logged at ERROR
        with the path as the switch sees it, and the caller hears the error prompt."""
        what = f"the {kind} greeting of {box.number}@{box.domain_name}"
        problem = voicemail.folder_problem(self.media, voicemail.MessageFile(
            uid=Path(relative).stem, relative=relative))
        if problem:
            log.warning("mailbox menu: the switch may not be able to record %s: %s (%s)",
                        what, problem, voicemail.WHAT_TO_CHECK)
        self.call.play(prompts.VM_RECORD_GREETING)
        self.call.play(prompts.VM_BEEP)
        self.call.set("playback_terminators", "any")  # "press any key" to end it
        ended = self.call.recording(self.switch_path(relative), GREETING_MAX_SECONDS)
        failed = ended.switch_failed and not (Path(self.media) / relative).exists()
        if failed:
            self._report_unwritable(what, relative, problem)
        if ended.hung_up:
            raise CallerHungUp("record")
        self.call.execute("unset", "playback_terminators")
        if failed:
            self.call.play(prompts.ERROR)
        return not failed

    def _report_unwritable(self, what, relative, problem):
        seen = f"; switchctl sees: {problem}" if problem else ""
        log.error("mailbox menu: the switch could not write %s, so %s was not recorded: "
                  "%s%s", self.switch_path(relative), what, voicemail.WHAT_TO_CHECK, seen)

    def _review(self, relative):
        while True:
            key = self.choose(REVIEW, "123")
            if key != "1":
                return key
            self.call.play(self.switch_path(relative))

    def _store(self, box, kind, relative):
        """Store the take; False when refused (too short, or the switch wrote nothing)."""
        try:
            settings.store_greeting(self.media, box.id, kind, relative)
        except settings.GreetingRefused as refused:
            log.info("mailbox menu: greeting of %s@%s not stored: %s", box.number,
                     box.domain_name, refused)
            return False
        return True

    def _erase_greeting(self, box):
        kind = self._which_greeting()
        if kind is None:
            return
        try:
            settings.erase_greeting(self.media, box.id, kind)
        except OSError as exc:
            log.error("mailbox menu: the %s greeting of %s@%s cannot be erased: %s", kind,
                      box.number, box.domain_name, exc)
            self.call.play(prompts.ERROR)
            return
        self.call.play(GREETING_DELETED)

    def _change_pin(self, box):
        """The new PIN, entered twice; a bad one is refused with a prompt saying why."""
        first = self.enter(prompts.VM_ENTER_NEW_PIN, settings.PIN_MAX_LENGTH + 1)
        if not first:
            return
        refused = settings.refusal(first, first)
        if refused is None:
            second = self.enter(prompts.VM_ENTER_NEW_PIN, settings.PIN_MAX_LENGTH + 1)
            try:
                settings.change_pin(box.id, first, second)
            except settings.PinRefused as exc:
                refused = exc
        if refused is not None:
            self._refuse_pin(refused.reason)
            return
        self.call.play(prompts.VM_PIN_CHANGED)

    def _refuse_pin(self, reason):
        for prompt in PIN_REFUSALS[reason]:
            self.call.play(prompt)
        if reason == settings.PIN_TOO_SHORT:
            self.call.say(str(settings.PIN_MIN_LENGTH), kind="number", method="pronounced")

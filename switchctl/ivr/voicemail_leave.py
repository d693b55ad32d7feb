"""Leaving a message (manual §2.1): the flow a call reaches when the extension it rang is
busy (do-not-disturb too), did not answer, is unavailable, or its follow-me list ended.

The dialplan (switchctl.xml_curl.routing.voicemail) names the mailbox (``MAILBOX``) and why
(``VOICEMAIL_REASON``); the domain is the channel's ``domain_name``. The caller hears the
extension's own greeting for that case, else one saying the extension number; 0 during
it reaches the domain's operator extension (when one is set), # skips it. Then a beep and
the recording: at most the domain's longest message, ended by # (playback_terminators, as
the switch's record reads them), by silence, or by hanging up, which keeps what was said.
store_message keeps the message or discards it (too short, silent) and the lamp follows.
A caller who hangs up before the recording leaves nothing: the file is named only just
before ``record``, and whatever ``record`` left is stored or removed.
"""

import logging

from switchctl.esl.session import CallerHungUp
from switchctl.freeswitch import contexts, outcome, prompts, variables
from switchctl.services import voicemail, voicemail_settings

log = logging.getLogger(__name__)

NAME = "voicemail"  # its name in switchctl.ivr.FLOWS, set by the dialplan
OPERATOR_KEY = "0"
SKIP_KEY = "#"
END_KEY = "#"
# The greeting the owner may have recorded for each reason (no answer: "unavailable").
GREETING_KIND = {outcome.BUSY: "busy", outcome.NO_ANSWER: "unavailable",
                 outcome.UNAVAILABLE: "unavailable"}


def caller_of(call):
    """``(number, from our users)`` of the caller, from what the caller cannot set: the
    Verto login, else sofia's authenticated ``user_name`` (both our users), else the
    caller ID (from outside: it may say anything)."""
    channel = call.variables
    if channel.get("Caller-Source") == "mod_verto":
        return channel.get("Caller-Username", "").partition("@")[0], True
    if call.variable("user_name"):
        return call.variable("user_name"), True
    return channel.get("Caller-Caller-ID-Number", ""), False


class LeaveMessageFlow:
    def __init__(self, call, context):
        self.call = call
        self.context = context
        self.config = context.config

    def run(self):
        reason = self.call.variable(variables.VOICEMAIL_REASON)
        box = voicemail.mailbox(self.call.variable("domain_name").lower(),
                                self.call.variable(variables.MAILBOX))
        self.call.answer()
        if box is None or not box.enabled or reason not in GREETING_KIND:
            log.warning("voicemail: no mailbox %s@%s to leave a message in (%s)",
                        self.call.variable(variables.MAILBOX),
                        self.call.variable("domain_name"), reason or "no reason")
            self.call.play(prompts.NOT_AVAILABLE)
            return
        operator = voicemail.operator(box.domain_id)
        keys = SKIP_KEY + (OPERATOR_KEY if operator else "")
        if self.greet(box, reason, keys) == OPERATOR_KEY:
            self.call.transfer(operator, self.operator_context())
            return
        if keys != END_KEY:
            self.call.set("playback_terminators", END_KEY)
        self.record(box)
        self.call.play(prompts.GOODBYE)

    def greet(self, box, reason, keys):
        """Play the greeting, ``keys`` ending it; the key that did ("" when none did)."""
        self.call.set("playback_terminators", keys)
        completed = self.call.execute("playback", self.greeting(box, reason))
        return completed.get("variable_playback_terminator_used", "")

    def greeting(self, box, reason):
        """The owner's own greeting for ``reason`` when its file is there, else the
        default one saying the extension number."""
        relative = voicemail_settings.greeting(box.id, GREETING_KIND[reason])
        if relative and (self.config.media_folder / relative).is_file():
            return f"{self.config.switch_media_folder}/{relative}"
        return prompts.default_greeting(box.number, busy=reason == outcome.BUSY)

    def record(self, box):
        """Beep, record, store (or discard); the lamp when a message was kept. A caller who
        hung up while recording ends the flow after it is stored."""
        self.call.play(prompts.VM_BEEP)
        message_file = voicemail.new_message_file(self.config.media_folder, box)
        folder_problem = voicemail.folder_problem(self.config.media_folder, message_file)
        if folder_problem:
            log.warning("voicemail: the switch may not be able to record the message for "
                        "%s@%s: %s (%s)", box.number, box.domain_name, folder_problem,
                        voicemail.WHAT_TO_CHECK)
        try:
            recording = self.call.recording(
                self.switch_path(message_file), voicemail.max_seconds(box.domain_id),
                voicemail.SILENCE_THRESHOLD, voicemail.SILENCE_SECONDS)
        except CallerHungUp:
            # The call went before record's completion came (the switch hung up, or the
            # socket's end arrived first): no file and a folder seen unwritable is the
            # switch's failure all the same.
            stored = self.store(box, message_file, None)
            if stored.reason == voicemail.MISSING and folder_problem:
                self.report_unwritable(box, message_file, folder_problem)
            raise
        stored = self.store(box, message_file, recording)
        if stored.reason == voicemail.MISSING and recording.switch_failed:
            self.report_unwritable(box, message_file, folder_problem)
        if recording.hung_up:
            raise CallerHungUp("hung up to end the message")

    def switch_path(self, message_file):
        """Where the switch writes the message: the media folder as it sees it."""
        return f"{self.config.switch_media_folder}/{message_file.relative}"

    def report_unwritable(self, box, message_file, folder_problem):
        """record did not open the file (the switch hung the caller up): say where, and
        what to check, at ERROR: each such call is a message lost."""
        seen = f"; switchctl sees: {folder_problem}" if folder_problem else ""
        log.error("voicemail: the switch could not write %s, so the message from %s for "
                  "%s@%s is lost: %s%s", self.switch_path(message_file),
                  caller_of(self.call)[0] or "unknown", box.number, box.domain_name,
                  voicemail.WHAT_TO_CHECK, seen)

    def store(self, box, message_file, recording):
        number, ours = caller_of(self.call)
        stored = voicemail.store_message(
            self.config.media_folder, box, message_file, number, from_our_users=ours,
            recorded_ms=recording.milliseconds if recording else None,
            silence_ended=bool(recording and recording.silence_ended))
        if stored.kept:
            log.info("voicemail: message %s from %s for %s@%s (%d s)", stored.message.uid,
                     number or "unknown", box.number, box.domain_name,
                     stored.message.duration)
            self.context.mailbox_changed(box.domain_name, box.number)
        else:
            log.info("voicemail: recording for %s@%s discarded (%s)", box.number,
                     box.domain_name, stored.reason)
        return stored

    def operator_context(self):
        """Our users reach the operator as if they dialled it; callers from outside as an
        outside call to that extension."""
        return contexts.INTERNAL if caller_of(self.call)[1] else contexts.PUBLIC

"""The wake-up call itself: the call the ringer (switchctl.esl.wakeup_ringer) placed, once
answered (``WAKEUP_CALL`` names the wake-up call; the channel's uuid is the attempt's).

"This is your wakeup call", then 1 to accept (the call is done) or 2 for a new wake-up
call a snooze time later (said back), as one prompt of play_and_get_digits: a key pressed
while any of it plays counts (playback would swallow it, and a phone may answer with a
key at once). No key: the message once more; still no key, or
a hang-up before a key, counts as answered but not acknowledged: the call is tried
again like an unanswered one while tries remain (services.wakeup.no_key). What came of
it is stored before the caller hears the answer.
"""

import logging

from switchctl.esl.session import CallerHungUp
from switchctl.freeswitch import prompts, variables
from switchctl.ivr.wakeup_menu import say_time
from switchctl.services import wakeup

log = logging.getLogger(__name__)
MESSAGE = prompts.sequence(prompts.WAKEUP_THIS_IS, prompts.TO_ACCEPT_PRESS_ONE,
                           prompts.WAKEUP_TO_REQUEST, prompts.PRESS, prompts.key("2"))
ROUNDS = 2  # the message and its question, said once more when no key came


class WakeupCallFlow:
    def __init__(self, call, context):
        self.call = call
        self.context = context

    def run(self):
        text = self.call.variable(variables.WAKEUP_CALL)
        call_id = int(text) if text.isdigit() else None
        uuid = self.call.variable("uuid")
        row = None if call_id is None else wakeup.answered(call_id, uuid, self.context.clock())
        if row is None:  # cancelled while it rang, or not one of ours
            log.info("wake-up call %r answered but no longer ringing: hung up", text)
            return
        try:
            key = self._ask()
        except CallerHungUp:
            wakeup.no_key(call_id, uuid, self.context.clock())
            raise
        self._answer(row, uuid, key)

    def _ask(self):
        for _ in range(ROUNDS):
            key = self.call.collect_digits(MESSAGE, prompts.NO_PROMPT, tries=1,
                                           regex="^[12]$")
            if key:
                return key
        return ""

    def _answer(self, row, uuid, key):
        now = self.context.clock()
        if key == "1":
            wakeup.acknowledge(row.id, uuid, now)
            self.call.play(prompts.THANK_YOU)
        elif key == "2":
            later = wakeup.snooze(row.id, uuid, now)
            if later is not None:
                self.call.play(prompts.WAKEUP_REQUESTED_FOR)
                say_time(self.call, later, wakeup.settings(row.extension.domain_id).zone)
        else:
            wakeup.no_key(row.id, uuid, now)
            self.call.play(prompts.GOODBYE)

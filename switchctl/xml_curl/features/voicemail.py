"""``*61#`` / ``*60#`` (manual §2.1): the mailbox menu, handed to its call flow
(switchctl.ivr.voicemail_menu) with which mailbox it opens (the caller's own, or one asked
for) and who calls (from the caller's identity: the flow believes nothing else)."""

from switchctl.freeswitch import variables
from switchctl.xml_curl.actions import to_flow

FLOW = "voicemail_menu"


def _menu(mode):
    def handler(domain, caller, argument):
        return to_flow(f"voicemail-{mode}", FLOW, **{variables.MAILBOX_MENU: mode,
                                                     variables.MAILBOX_MENU_CALLER: caller.id})
    return handler


HANDLERS = {"voicemail_own": _menu("own"), "voicemail_main": _menu("main")}

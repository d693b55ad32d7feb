"""The mailbox menu on the real switch: through ``*61`` the owner records a greeting (the
switch writes it into the greetings folder switchctl made, where switchctl reads it) and
changes the PIN, keys sent as a phone's (``uuid_recv_dtmf ~``)."""

import stat

import pytest
from werkzeug.security import check_password_hash

from switchctl.services.voicemail import FOLDER_MODE
from tests.integration.media_phones import executing, talking_call
from tests.integration.test_voicemail_calls import (
    audio_of,
    completed,
    events_of,
    hung_up,
    no_channel_left,
    readable_through_the_group,
    switch_api,
)

pytestmark = pytest.mark.integration

OWNER = "102"  # not a mailbox or phone the other voicemail and wake-up tests use
TALK = 30  # seconds the phone stays (the test hangs it up before)
GREETINGS = ("SELECT kind, path FROM voicemail_greeting JOIN extension "
             "ON extension.id = mailbox_id WHERE extension.number = ?")


@pytest.fixture(scope="module", autouse=True)
def _own_switch(freeswitch):
    if freeswitch is None:
        pytest.skip("the mailbox menu's calls need the session's own FreeSWITCH (stand-in "
                    "prompts, the shared media folder), not SWITCHCTL_TEST_FS_ESL")


def test_the_owner_records_a_greeting_and_changes_the_pin(served, sip_address, fs_address):
    events = events_of(fs_address)
    # The phone speaks (g711a.pcap, 7 s) from the answer: the greeting gets the end of it.
    caller = talking_call(sip_address, OWNER, served[OWNER], "*61", talk=TALK)
    try:
        uuid = events.next(executing("play_and_get_digits"), timeout=15,
                           what="the PIN prompt")["Unique-ID"]

        def press(keys, then):
            assert switch_api(fs_address, f"uuid_recv_dtmf {uuid} ~{keys}").startswith("+OK")
            return events.next(executing(then, uuid), timeout=15, what=f"{then} after {keys}")

        press("1234#", then="play_and_get_digits")  # the main menu
        press("5", then="play_and_get_digits")  # options
        press("1", then="play_and_get_digits")  # which greeting
        record = press("2", then="record")  # busy
        recorded_at = record["Application-Data"].split()[0]
        assert recorded_at.startswith(f"{served.switch_media}/greetings/")
        # The speech ends: the switch's silence detection ends the recording.
        ended = events.next(completed("record", uuid), timeout=20,
                            what="the end of the recording")
        assert int(ended["variable_record_ms"]) >= 1000, ended
        events.next(executing("play_and_get_digits", uuid), what="listen, save, again")
        press("2", then="play_and_get_digits")  # saved: back to the options
        ((kind, relative),) = served.rows(GREETINGS, OWNER)
        assert kind == "busy" and recorded_at == f"{served.switch_media}/{relative}"
        greeting = served.media / relative
        channels, width, rate, seconds, _ = audio_of(greeting)
        assert (channels, width, rate) == (1, 2, 8000)
        assert abs(seconds - int(ended["variable_record_ms"]) / 1000) < 0.5
        assert stat.S_IMODE(greeting.parent.stat().st_mode) == FOLDER_MODE
        readable_through_the_group(greeting)

        press("6", then="play_and_get_digits")  # the new PIN
        press("4455#", then="play_and_get_digits")  # once more
        press("4455#", then="play_and_get_digits")  # changed: back to the options
        ((pin_hash,),) = served.rows("SELECT voicemail_pin_hash FROM extension "
                                     "WHERE number = ?", OWNER)
        assert check_password_hash(pin_hash, "4455")
        assert switch_api(fs_address, f"uuid_kill {uuid}").startswith("+OK")
        events.next(hung_up(uuid), what="the hang-up")
        caller.wait()
    finally:
        caller.stop()
        events.close()
    assert not no_channel_left(fs_address)

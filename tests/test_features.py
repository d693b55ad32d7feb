import re

import pytest

from switchctl.services import feature_codes as features

# Every dialled code of SPEC section 4, with an example a user would dial.
SPEC_EXAMPLES = {
    "voicemail_main": "*60#", "voicemail_own": "*61#", "pickup_directed": "**104#",
    "pickup_group": "*8", "blacklist_last": "*76#", "blacklist_add": "*75#",
    "blacklist_remove": "*07513800000000#", "monitor_listen": "*90104#",
    "monitor_whisper": "*91104#", "monitor_barge": "*92104#", "agent_login": "*62#",
    "agent_logout": "*062#", "agent_pause": "*95#", "agent_unpause": "*095#",
    "wakeup_menu": "*55#", "wakeup_direct": "*55*03061456", "wakeup_cancel": "*055#",
    "forward_always_on": "*71985337106", "forward_always_off": "*071#",
    "forward_busy_on": "*72105#", "forward_busy_off": "*072#",
    "forward_no_answer_on": "*73105#", "forward_no_answer_off": "*073#",
    "dnd_on": "*74#", "dnd_off": "*074#", "announce_wan_ip": "**11#",
    "announce_lan_ip": "**12#", "announce_extension": "**13#", "intercom": "*50104#",
    "paging": "*51104#",
}
IN_CALL = {"park", "transfer_blind", "transfer_attended", "conference_adhoc", "record_call"}


def first_match(dialled):
    codes = features.effective_codes()
    for feature in features.dial_order(codes):
        if re.match(feature.dial_regex(codes[feature.key]), dialled):
            return feature.key
    return None


@pytest.mark.parametrize(("key", "dialled"), sorted(SPEC_EXAMPLES.items()))
def test_spec_examples_reach_their_feature(key, dialled):
    assert first_match(dialled) == key


def test_registry_covers_the_spec_and_nothing_twice():
    assert {f.key for f in features.FEATURES} == set(SPEC_EXAMPLES) | IN_CALL
    assert len({f.key for f in features.FEATURES}) == len(features.FEATURES)
    assert {f.key for f in features.FEATURES if f.in_call} == IN_CALL


def test_argument_is_captured_as_group_one():
    feature = features.BY_KEY["forward_always_on"]
    assert re.match(feature.dial_regex(), "*71985337106#").group(1) == "985337106"
    assert re.match(feature.dial_regex(), "*71abc#") is None


def test_overrides_replace_defaults_and_are_validated():
    assert features.effective_codes({"dnd_on": "*78"})["dnd_on"] == "*78"
    with pytest.raises(features.FeatureCodeError):
        features.validate_override("dnd_on", "78")
    with pytest.raises(features.FeatureCodeError):
        features.validate_override("no_such", "*78")


def test_usage_text_reads_like_the_manual():
    assert features.BY_KEY["forward_always_on"].usage() == "*71<number>#"
    assert features.BY_KEY["wakeup_direct"].usage() == "*55*MMDDHHMM"
    assert features.BY_KEY["park"].usage() == "*4#"

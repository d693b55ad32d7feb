"""The feature-code pages: every code of the registry with what it does and the user's
state; the admin's overrides, checked against the codes a dialled string could also mean,
set and reset from the page and from ``switchctl codes``."""

import pytest

from switchctl.models import Extension, FeatureCodeOverride
from switchctl.portal.feature_codes.descriptions import DESCRIPTIONS
from switchctl.services import feature_codes, forwarding
from switchctl.services.extensions import add_extension
from switchctl.services.logins import add_account
from tests.builders.dialplan import call, steps_of
from tests.clients.portal import ROLE_LOGINS, csrf_token, log_in, page_error

pytestmark = pytest.mark.usefixtures("quick_hashes")  # account hashes: not what is tested

LOGINS = ROLE_LOGINS


def ext(number):
    return Extension.get(Extension.number == number)


@pytest.fixture
def logged_in(app, office):
    add_account(office, "desk", "operator", "DeskPassw0rd1")

    def open_as(role):
        browser = app.test_client()
        assert log_in(browser, *LOGINS[role]).status_code == 302
        return browser
    return open_as


def post(browser, path, **fields):
    page = browser.get("/feature-codes/overrides").get_data(as_text=True)
    return browser.post(path, data={"csrf_token": csrf_token(page), **fields})


def test_every_feature_has_its_translatable_description():
    assert {key: str(text) for key, text in DESCRIPTIONS.items()} == {
        f.key: f.summary for f in feature_codes.FEATURES}


@pytest.mark.both_databases
def test_an_override_is_refused_when_a_dialled_string_could_mean_another_code(office):
    domain = office.id
    refused = {
        ("dnd_on", "*74#"): "clashes with *74#",  # dnd_on's own, taken by... itself: fine
        ("dnd_off", "*74"): "clashes with *74#",  # the same code
        ("dnd_off", "*74#"): "clashes with *74#",  # the same, once # ends dialling
        ("pickup_group", "*7"): None,  # *7 alone: no code begins that way dialled whole
        ("forward_busy_on", "*7"): "clashes with *71<number>#",  # *7 1105 or *71 105?
        ("announce_extension", "**101"): "clashes with **<extension>#",  # 101 exists
        ("announce_extension", "**44"): None,  # no extension 44
        ("dnd_on", "*71105"): "clashes with *71<number>#",
        ("park", "#9"): "clashes with #<number>",  # in call: # begins every transfer
        ("park", "*3#"): None,
        ("dnd_on", "74"): "starts with * or #",
        ("dnd_on", "*7*4*4*4*4"): "at most 8",
        ("no_such", "*78"): "unknown feature",
    }
    for (key, code), expected in refused.items():
        if key == "dnd_on" and code == "*74#":
            continue
        if expected is None:
            assert feature_codes.check_override(domain, key, code) == code
        else:
            with pytest.raises(feature_codes.FeatureCodeError, match=expected.replace("*", r"\*")):
                feature_codes.check_override(domain, key, code)
    for feature in feature_codes.FEATURES:  # every default is clear of the others
        feature_codes.check_override(domain, feature.key, feature.code)


@pytest.mark.both_databases
def test_set_and_reset_change_what_the_dialplan_takes(office, client):
    feature_codes.set_override(office.id, "dnd_on", "*78")
    assert feature_codes.overrides(office.id) == {"dnd_on": "*78"}
    steps_of(client, call("101", "*78#"))
    assert ext("101").dnd
    feature_codes.set_override(office.id, "dnd_on", "*74")  # its default: no override left
    assert not FeatureCodeOverride.select().exists()
    feature_codes.set_override(office.id, "dnd_off", "*79")
    with pytest.raises(feature_codes.FeatureCodeError, match="clashes"):
        feature_codes.set_override(office.id, "dnd_on", "*79#")
    feature_codes.reset_override(office.id, "dnd_off")
    assert feature_codes.overrides(office.id) == {}


def test_a_later_extension_number_shadowed_by_a_code_is_refused(office):
    add_extension(office, "13", "Short", "Passw0rd0013")
    with pytest.raises(feature_codes.FeatureCodeError, match="pickup_directed"):
        feature_codes.check_override(office.id, "announce_wan_ip", "**13")


@pytest.mark.parametrize("role", ["admin", "operator", "extension"])
def test_every_role_reads_the_codes_as_its_users_dial_them(logged_in, office, role):
    feature_codes.set_override(office.id, "dnd_on", "*78")
    text = logged_in(role).get("/feature-codes").get_data(as_text=True)
    assert 'id="feature-codes"' in text
    assert '<code class="code">*78#</code>' in text and "(default *74#)" in text
    assert "Forward all calls to a number" in text and "(in call)" in text
    assert ('id="my-state"' in text) == (role == "extension")


def test_an_extension_user_sees_its_dnd_and_forwards(logged_in):
    alice = ext("101")
    forwarding.set_forward(alice, "always", "105")
    forwarding.set_forward(alice, "busy", "102")
    forwarding.cancel_forward(alice, "busy")
    forwarding.set_dnd(alice, True)
    text = logged_in("extension").get("/feature-codes").get_data(as_text=True)
    assert "Do-not-disturb is on." in text
    assert "On: to 105" in text and "Off (number kept: 102)" in text
    forwarding.save_forwards(alice, {"always": ("105", True)}, activated=False)
    text = logged_in("extension").get("/feature-codes").get_data(as_text=True)
    assert "Enabled, not activated: 105" in text


def test_the_admin_sets_and_resets_an_override_on_the_page(logged_in, office):
    admin = logged_in("admin")
    response = post(admin, "/feature-codes/overrides", feature="dnd_on", code="*78")
    assert response.status_code == 302
    assert feature_codes.overrides(office.id) == {"dnd_on": "*78"}
    text = admin.get(response.location).get_data(as_text=True)
    assert "dnd_on is now dialled *78." in text and 'id="reset-dnd_on"' in text
    response = post(admin, "/feature-codes/overrides", feature="dnd_off", code="*78#")
    assert response.status_code == 400
    assert page_error(response.get_data(as_text=True)) == \
        "*78# clashes with *78#, the code of Do-not-disturb on"
    assert feature_codes.overrides(office.id) == {"dnd_on": "*78"}
    response = post(admin, "/feature-codes/overrides/reset", feature="dnd_on")
    assert response.status_code == 302 and feature_codes.overrides(office.id) == {}
    response = post(admin, "/feature-codes/overrides/reset", feature="<script>")
    assert "unknown feature" in page_error(admin.get(response.location).get_data(as_text=True))


@pytest.mark.parametrize("role", ["operator", "extension"])
def test_only_the_admin_opens_or_changes_the_overrides(logged_in, office, role):
    browser = logged_in(role)
    assert browser.get("/feature-codes/overrides").status_code == 403
    page = browser.get("/feature-codes").get_data(as_text=True)
    response = browser.post("/feature-codes/overrides", data={
        "csrf_token": csrf_token(page), "feature": "dnd_on", "code": "*78"})
    assert response.status_code == 403
    assert feature_codes.overrides(office.id) == {}


def test_an_override_without_its_csrf_token_is_refused(logged_in, office):
    response = logged_in("admin").post("/feature-codes/overrides",
                                       data={"feature": "dnd_on", "code": "*78"})
    assert response.status_code == 400 and feature_codes.overrides(office.id) == {}


def test_the_chinese_pages(logged_in):
    chinese = {"Accept-Language": "zh-CN"}
    text = logged_in("extension").get("/feature-codes", headers=chinese).get_data(as_text=True)
    assert '<html lang="zh-Hans">' in text and "<th>您的状态</th>" in text
    assert "无条件转移到一个号码" in text and "免打扰已关闭" in text
    assert '<code class="code">*71&lt;号码&gt;#</code>' in text and "**&lt;分机号&gt;#" in text
    admin = logged_in("admin")
    text = admin.get("/feature-codes/overrides", headers=chinese).get_data(as_text=True)
    assert "恢复默认" not in text and "新功能码" in text
    response = admin.post("/feature-codes/overrides", headers=chinese, data={
        "csrf_token": csrf_token(text), "feature": "dnd_off", "code": "*74#"})
    assert page_error(response.get_data(as_text=True)) == "*74# 与 *74#（“开启免打扰”的功能码）冲突"


def test_the_cli_lists_sets_and_resets_through_the_same_checks(office, command):
    def run(*args):
        return command("codes", *args)

    assert run("set", "dnd_on", "*78") == (0, "dnd_on is now dialled *78\n", "")
    assert run("set", "announce_extension", "**101") == (1, "", (
        "switchctl: error: **101 clashes with **<extension>#, the code of pickup_directed\n"))
    code, listing, _ = run("list")
    assert code == 0 and "*78#" in listing and "(default *74)" in listing
    assert len(listing.splitlines()) == len(feature_codes.FEATURES)
    assert run("reset", "dnd_on") == (0, "dnd_on is back to *74\n", "")
    assert feature_codes.overrides(office.id) == {}

"""The call-forwarding page (manual §1.7): the four types with their enable switches and
the activate switch, follow-me; an extension user's own settings only, the same rows the
phone's codes and the dialplan use."""

import re

import pytest

from switchctl.models import Extension, FollowMeEntry, ForwardRule
from switchctl.models.forwarding import FORWARD_KINDS
from switchctl.services import ValidationError, forwarding
from switchctl.services.extensions import remove_extension
from switchctl.services.logins import add_account
from tests.builders.dialplan import bridges, call, steps_of
from tests.clients.portal import csrf_token, log_in, page_error

pytestmark = pytest.mark.usefixtures("quick_hashes")  # account hashes: not what is tested

FORWARDS = {f"{kind}_number": "" for kind in FORWARD_KINDS}


def ext(number):
    return Extension.get(Extension.number == number)


def rows(number):
    return {(r.kind, r.destination, r.active)
            for r in ForwardRule.select().where(ForwardRule.extension == ext(number))}


def steps(number):
    return forwarding.follow_me_steps(ext(number).id)


@pytest.fixture
def user(app):
    browser = app.test_client()
    assert log_in(browser, "101", "Passw0rd101").status_code == 302
    return browser


def token(browser):
    return csrf_token(browser.get("/forwarding").get_data(as_text=True))


def post(browser, path, **fields):
    return browser.post(path, data={"csrf_token": token(browser), **fields})


def save(browser, activated=True, **fields):
    form = {**FORWARDS, **fields}
    if activated:
        form["activated"] = "on"
    return post(browser, "/forwarding", **form)


# --- the service --------------------------------------------------------------------------

@pytest.mark.both_databases
def test_configured_but_not_activated_forwards_nothing_and_keeps_the_types(office):
    alice = ext("101")
    settings = {"busy": ("105", True), "no_answer": ("105", True), "always": ("102", False)}
    forwarding.save_forwards(alice, settings, activated=False)
    assert forwarding.active_forwards(alice.id) == {}
    shown = forwarding.forwards(alice.id)
    assert not shown.activated
    assert {k: (r.destination, r.enabled) for k, r in shown.rules.items()} == {
        "always": ("102", False), "busy": ("105", True), "no_answer": ("105", True),
        "unavailable": ("", False)}
    forwarding.save_forwards(alice, settings, activated=True)
    assert forwarding.active_forwards(alice.id) == {"busy": "105", "no_answer": "105"}
    assert forwarding.forwards(alice.id).activated


@pytest.mark.both_databases
def test_deactivating_keeps_every_rules_number_and_enable(office):
    alice = ext("101")
    settings = {"always": ("102", True), "busy": ("105", True), "no_answer": ("105", False)}
    forwarding.save_forwards(alice, settings, activated=True)
    before = rows("101")
    forwarding.save_forwards(alice, settings, activated=False)
    assert rows("101") == before  # the four types' (kind, number, enable), no other row
    assert {kind for kind, _, _ in before} == set(FORWARD_KINDS)
    assert not ext("101").forwarding_active
    assert forwarding.active_forwards(alice.id) == {}
    shown = forwarding.forwards(alice.id).rules
    assert [(shown[k].enabled, shown[k].active) for k in FORWARD_KINDS] == [
        (True, False), (True, False), (False, False), (False, False)]


@pytest.mark.both_databases
def test_a_forward_from_the_phone_activates_forwarding_again(office):
    alice = ext("101")
    forwarding.save_forwards(alice, {"busy": ("105", True), "always": ("102", True)}, False)
    forwarding.cancel_forward(alice, "always")  # *071#: that type only, still deactivated
    assert not ext("101").forwarding_active
    assert not forwarding.forwards(alice.id).rules["always"].enabled
    assert forwarding.forwards(alice.id).rules["busy"].enabled
    forwarding.set_forward(alice, "no_answer", "102")  # *73102#
    assert ext("101").forwarding_active and forwarding.forwards(alice.id).activated
    assert forwarding.active_forwards(alice.id) == {"busy": "105", "no_answer": "102"}


@pytest.mark.both_databases
def test_every_bad_field_is_named_and_nothing_is_written(office):
    alice = ext("101")
    forwarding.save_forwards(alice, {"busy": ("105", True)}, activated=True)
    before = rows("101")
    with pytest.raises(forwarding.FormErrors) as failed:
        forwarding.save_forwards(alice, {"always": ("10a", True), "busy": ("101", True),
                                         "no_answer": ("", True), "unavailable": ("102", True)},
                                 activated=True)
    assert [field for field, _ in failed.value.errors] == ["always", "busy", "no_answer"]
    assert rows("101") == before


@pytest.mark.both_databases
def test_follow_me_steps_are_added_reordered_and_removed_by_their_own_ids(office):
    alice, bob = ext("101"), ext("102")
    forwarding.save_follow_me(alice, True, "15", {}, ("102", "10"))
    forwarding.save_follow_me(alice, True, "15", {}, ("103", "20"))
    forwarding.save_follow_me(alice, True, "15", {}, ("105", "30"))
    assert steps("101") == [("102", 10), ("103", 20), ("105", 30)]
    ids = [s.id for s in forwarding.follow_me(ext("101")).steps]
    forwarding.move_follow_me_step(alice, ids[2], -1)
    assert steps("101") == [("102", 10), ("105", 30), ("103", 20)]
    forwarding.move_follow_me_step(alice, ids[0], -1)  # already first: stays
    assert steps("101")[0] == ("102", 10)
    forwarding.save_follow_me(alice, True, "20", {ids[1]: "25"})
    assert steps("101") == [("102", 10), ("105", 30), ("103", 25)]
    forwarding.save_follow_me(bob, False, "30", {}, ("101", "10"))
    bobs = forwarding.follow_me(ext("102")).steps[0].id
    for forged in (lambda: forwarding.remove_follow_me_step(alice, bobs),
                   lambda: forwarding.move_follow_me_step(alice, bobs, 1),
                   lambda: forwarding.save_follow_me(alice, True, "20", {bobs: "50"})):
        with pytest.raises(forwarding.NotYours):
            forged()
    assert steps("102") == [("101", 10)]
    for step in ids:
        forwarding.remove_follow_me_step(alice, step)
    assert steps("101") == [] and not ext("101").follow_me_enabled


@pytest.mark.both_databases
def test_follow_me_checks_every_field_before_writing(office):
    alice = ext("101")
    forwarding.save_follow_me(alice, True, "15", {}, ("102", "10"))
    step = forwarding.follow_me(ext("101")).steps[0].id
    with pytest.raises(forwarding.FormErrors) as failed:
        forwarding.save_follow_me(alice, False, "4", {step: "301"}, ("101", "abc"))
    assert [field for field, _ in failed.value.errors] == [
        "ring_seconds", f"timeout-{step}", "new", "new_timeout"]
    with pytest.raises(forwarding.FormErrors):
        forwarding.save_follow_me(alice, True, "20", {}, ("102", "10"))  # already listed
    assert steps("101") == [("102", 10)] and ext("101").ring_seconds == 15
    forwarding.remove_follow_me_step(alice, step)
    with pytest.raises(forwarding.FormErrors, match="at least one"):
        forwarding.save_follow_me(alice, True, "20", {})
    with pytest.raises(ValidationError):
        forwarding.check_destination(ext("103"), "985337106")  # 103 may not call out


# --- the page ---------------------------------------------------------------------------

def test_the_page_shows_what_the_phone_set(user, client):
    steps_of(client, call("101", "*72105#"))  # dialled on 101's phone
    assert rows("101") == {("busy", "105", True)}
    text = user.get("/forwarding").get_data(as_text=True)
    assert re.search(r'name="busy_enabled" id="busy_enabled"\s+checked', text)
    assert 'name="busy_number" id="busy_number"' in text and 'value="105"' in text
    assert re.search(r'name="activated" id="activated"\s+checked', text)
    assert 'id="follow-me-steps"' in text and "After the last number: voicemail." in text


def test_a_forward_saved_on_the_page_is_served_to_the_next_call(user, client):
    response = save(user, always_number="105", always_enabled="on")
    assert response.status_code == 302
    assert bridges(steps_of(client, call("102", "101"))) == ["user/105@pbx.local"]
    save(user, activated=False, always_number="105", always_enabled="on")
    assert bridges(steps_of(client, call("102", "101"))) == ["user/101@pbx.local"]
    assert ("always", "105", True) in rows("101") and not ext("101").forwarding_active
    text = user.get("/forwarding").get_data(as_text=True)
    assert re.search(r'name="always_enabled" id="always_enabled"\s+checked', text)
    assert not re.search(r'name="activated" id="activated"\s+checked', text)


def test_the_phone_activates_what_the_page_deactivated(user, client):
    save(user, activated=False, always_number="105", always_enabled="on")
    assert bridges(steps_of(client, call("102", "101"))) == ["user/101@pbx.local"]
    steps_of(client, call("101", "*72103#"))  # dialled on 101's phone
    text = user.get("/forwarding").get_data(as_text=True)
    assert re.search(r'name="activated" id="activated"\s+checked', text)
    assert re.search(r'name="always_enabled" id="always_enabled"\s+checked', text)
    assert re.search(r'name="busy_enabled" id="busy_enabled"\s+checked', text)
    assert bridges(steps_of(client, call("102", "101"))) == ["user/105@pbx.local"]


def test_bad_input_is_named_on_the_page_and_nothing_is_written(user):
    save(user, busy_number="105", busy_enabled="on")
    before = rows("101")
    response = save(user, always_number="12ab", always_enabled="on",
                    busy_number="101", busy_enabled="on")
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert page_error(text) == "Forward always: a forwarding number is digits only (at most 32)"
    assert "Forward when busy: an extension cannot forward to itself" in text
    assert 'value="12ab"' in text  # what was typed stays in the form
    assert rows("101") == before


def test_follow_me_on_the_page_add_reorder_remove(user, client):
    for number, timeout in (("102", "10"), ("105", "30")):
        response = post(user, "/forwarding/follow-me", follow_me_enabled="on",
                        ring_seconds="15", new_number=number, new_timeout=timeout)
        assert response.status_code == 302, page_error(response.get_data(as_text=True))
    first, second = [s.id for s in forwarding.follow_me(ext("101")).steps]
    assert post(user, f"/forwarding/follow-me/{second}/up").status_code == 302
    assert steps("101") == [("105", 30), ("102", 10)]
    assert bridges(steps_of(client, call("103", "101")))[0].count("leg_timeout") == 3
    assert post(user, f"/forwarding/follow-me/{first}/remove").status_code == 302
    assert steps("101") == [("105", 30)]
    response = post(user, "/forwarding/follow-me", follow_me_enabled="on", ring_seconds="2",
                    **{f"timeout-{second}": "1000"})
    assert response.status_code == 400
    assert "Ring time of the extension (seconds): the ring time is a whole number" in \
        page_error(response.get_data(as_text=True))
    assert steps("101") == [("105", 30)] and ext("101").ring_seconds == 15


def test_another_extensions_follow_me_entries_are_refused_with_nothing_changed(user):
    forwarding.save_follow_me(ext("102"), True, "30", {}, ("105", "10"))
    bobs = forwarding.follow_me(ext("102")).steps[0].id
    for path in (f"/forwarding/follow-me/{bobs}/remove", f"/forwarding/follow-me/{bobs}/down"):
        assert post(user, path).status_code == 404
    response = post(user, "/forwarding/follow-me", ring_seconds="20",
                    **{f"timeout-{bobs}": "99"})
    assert response.status_code == 404
    assert post(user, "/forwarding/follow-me", **{"timeout-x1": "9"}).status_code == 400
    assert steps("102") == [("105", 10)] and ext("101").ring_seconds == 30


def test_the_page_never_takes_another_extension_from_the_form_or_the_query(user):
    forwarding.set_forward(ext("102"), "always", "105")
    text = user.get("/forwarding?extension=102&extension_id=2").get_data(as_text=True)
    assert 'value="105"' not in text
    save(user, extension="102", extension_id=str(ext("102").id), busy_number="103",
         busy_enabled="on")
    assert rows("102") == {("always", "105", True)}
    assert ("busy", "103", True) in rows("101")


def test_csrf_is_required(user):
    response = user.post("/forwarding", data={"always_number": "105", "always_enabled": "on",
                                              "activated": "on"})
    assert response.status_code == 400
    assert not ForwardRule.select().exists()
    step = FollowMeEntry.create(extension=ext("101"), position=1, destination="102")
    assert user.post(f"/forwarding/follow-me/{step.id}/remove").status_code == 400
    assert FollowMeEntry.select().count() == 1


@pytest.mark.parametrize("who", ["admin", "operator", None])
def test_only_extension_users_open_the_page(app, office, who):
    browser = app.test_client()
    if who == "operator":
        add_account(office, "desk", "operator", "DeskPassw0rd1")
    if who:
        login = {"admin": ("boss", "AdminPassw0rd"), "operator": ("desk", "DeskPassw0rd1")}
        assert log_in(browser, *login[who]).status_code == 302
    response = browser.get("/forwarding")
    assert response.status_code == (403 if who else 302)
    assert browser.post("/forwarding", data={}).status_code in (400, 403, 302)


def test_the_chinese_page(user):
    forwarding.save_follow_me(ext("101"), True, "15", {}, ("102", "10"))
    text = user.get("/forwarding", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert ">呼叫转移</h1>" in text and "一号通" in text and "激活" in text
    assert "无条件转移" in text and "遇忙转移" in text


def test_a_forward_to_a_removed_extension_is_not_followed_once_activated(office):
    alice = ext("101")
    forwarding.save_forwards(alice, {"busy": ("105", True), "no_answer": ("102", True)}, False)
    remove_extension(office, "105")
    forwarding.set_forward(alice, "always", "102")
    assert forwarding.active_forwards(alice.id) == {"always": "102", "no_answer": "102"}

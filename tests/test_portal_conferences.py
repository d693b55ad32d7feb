"""The admin's conference-room pages (/conferences) and the rules every room and queue
number follows (services/internal_numbers): admins only, their own domain's rooms only."""

import pytest

from switchctl.models import ConferenceRoom
from switchctl.services import ValidationError, conferences, queues
from switchctl.services.domains import ensure_domain
from switchctl.services.feature_codes import FEATURES
from switchctl.services.internal_numbers import check_free_number, feature_code_of
from switchctl.services.logins import add_account
from tests.clients.portal import csrf_token, log_in, page_error

LOGINS = {"admin": ("boss", "AdminPassw0rd"), "operator": ("desk", "DeskPassw0rd1"),
          "extension": ("101", "Passw0rd101")}


@pytest.fixture
def app(app, office):
    add_account(office, "desk", "operator", "DeskPassw0rd1")
    return app


def browser_as(app, role, language="en"):
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    if role is not None:
        assert log_in(browser, *LOGINS[role]).status_code == 302
    return browser


@pytest.fixture
def admin(app):
    return browser_as(app, "admin")


def post_form(browser, url, form, page="/conferences"):
    token = csrf_token(browser.get(page).get_data(as_text=True))
    return browser.post(url, data={**form, "csrf_token": token})


ROOM = {"number": "800", "name": "Board room", "admin_pin": "4321", "user_pin": "1111"}


def test_an_admin_adds_a_room_with_its_pins_and_sees_it_listed(admin, office):
    response = post_form(admin, "/conferences", ROOM)
    assert response.status_code == 302 and response.location == "/conferences"
    page = admin.get("/conferences").get_data(as_text=True)
    assert 'id="conferences"' in page and 'data-room="800"' in page and "Board room" in page
    room = ConferenceRoom.get(ConferenceRoom.number == "800")
    assert (room.domain_id, room.admin_pin, room.user_pin) == (office.id, "4321", "1111")


def test_the_user_pin_is_optional(admin):
    assert post_form(admin, "/conferences", {**ROOM, "user_pin": ""}).status_code == 302
    assert ConferenceRoom.get().user_pin == ""


BAD_INPUT = [
    ({"number": "101"}, "number 101 is an extension"),
    ({"number": "45"}, "number 45 is a parking slot (41-49)"),
    ({"number": "901"}, "number 901 starts with the outbound prefix 9"),
    ({"number": "8a0"}, "number 8a0 must be 2 to 8 digits"),
    ({"number": ""}, "number  must be 2 to 8 digits"),
    ({"admin_pin": ""}, "the admin PIN is required"),
    ({"admin_pin": "12"}, "a PIN must be 3 to 8 digits"),
    ({"user_pin": "123456789"}, "a PIN must be 3 to 8 digits"),
    ({"user_pin": "12a4"}, "a PIN must be 3 to 8 digits"),
    ({"user_pin": "4321"}, "the user PIN must differ from the admin PIN"),
    ({"name": "x${y}"}, "the name must be printable text of at most 80 characters without "
                        "$ { } \\"),
]


def test_bad_input_is_a_clear_message_and_nothing_is_stored(admin):
    for change, message in BAD_INPUT:
        response = post_form(admin, "/conferences", {**ROOM, **change})
        assert response.status_code == 400, change
        page = response.get_data(as_text=True)
        assert page_error(page) == message, change
        assert f'value="{ROOM["admin_pin"]}"' in page or "admin_pin" in change  # kept
    assert not ConferenceRoom.select().exists()


def test_a_room_number_may_not_be_another_room_or_a_queue(admin, office):
    queues.add_queue(office, "600", "Sales line")
    conferences.add_room(office, "800", "1234")
    for number, message in (("800", "number 800 is a conference room"),
                            ("600", "number 600 is a queue")):
        response = post_form(admin, "/conferences", {**ROOM, "number": number})
        assert page_error(response.get_data(as_text=True)) == message
    assert ConferenceRoom.select().count() == 1


def test_the_clash_message_is_chinese_on_a_chinese_page(app):
    browser = browser_as(app, "admin", "zh-CN")
    page = browser.get("/conferences").get_data(as_text=True)
    assert "<title>会议室 · switchctl</title>" in page and "管理员密码" in page
    response = post_form(browser, "/conferences", {**ROOM, "number": "101"})
    assert page_error(response.get_data(as_text=True)) == "号码 101 已是分机号码"


def test_an_admin_edits_and_deletes_a_room(admin, office):
    room = conferences.add_room(office, "800", "1234", name="Old")
    page = admin.get(f"/conferences/{room.id}").get_data(as_text=True)
    assert 'id="edit-conference"' in page and 'value="Old"' in page
    response = post_form(admin, f"/conferences/{room.id}",
                         {"number": "801", "name": "New", "admin_pin": "5555", "user_pin": ""})
    assert response.status_code == 302
    room = ConferenceRoom.get_by_id(room.id)
    assert (room.number, room.name, room.admin_pin, room.user_pin) == ("801", "New", "5555", "")
    # its own number is no clash for itself
    assert post_form(admin, f"/conferences/{room.id}", {
        "number": "801", "name": "New", "admin_pin": "5556", "user_pin": ""}).status_code == 302
    refused = post_form(admin, f"/conferences/{room.id}",
                        {"number": "102", "name": "X", "admin_pin": "1", "user_pin": ""})
    assert refused.status_code == 400
    assert ConferenceRoom.get_by_id(room.id).admin_pin == "5556"
    assert post_form(admin, f"/conferences/{room.id}/delete", {}).status_code == 302
    assert not ConferenceRoom.select().exists()


def test_operators_extension_users_and_strangers_are_refused(app, office):
    room = conferences.add_room(office, "800", "1234")
    for role in ("operator", "extension"):
        browser = browser_as(app, role)
        assert browser.get("/conferences").status_code == 403
        assert browser.get(f"/conferences/{room.id}").status_code == 403
        token = csrf_token(browser.get("/extensions").get_data(as_text=True))
        for url, form in (("/conferences", ROOM), (f"/conferences/{room.id}/delete", {}),
                          (f"/conferences/{room.id}", {**ROOM, "number": "808"})):
            assert browser.post(url, data={**form, "csrf_token": token}).status_code == 403
    response = app.test_client().get("/conferences")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert [r.number for r in ConferenceRoom.select()] == ["800"]


def test_another_domains_room_is_not_found(admin, db):
    other = ensure_domain("other.example")
    room = conferences.add_room(other, "800", "1234")
    assert admin.get(f"/conferences/{room.id}").status_code == 404
    for url in (f"/conferences/{room.id}", f"/conferences/{room.id}/delete"):
        assert post_form(admin, url, {**ROOM, "number": "809"}).status_code == 404
    assert ConferenceRoom.get_by_id(room.id).number == "800"
    assert "800" not in admin.get("/conferences").get_data(as_text=True).split("<h2>")[0]


def test_forms_need_their_csrf_token(admin, office):
    room = conferences.add_room(office, "800", "1234")
    assert admin.post("/conferences", data={**ROOM, "number": "808"}).status_code == 400
    assert admin.post(f"/conferences/{room.id}/delete").status_code == 400
    assert ConferenceRoom.select().count() == 1


@pytest.mark.both_databases
def test_the_number_rules_are_one_check_for_rooms_and_queues(office):
    conferences.add_room(office, "800", "1234")
    with pytest.raises(ValidationError, match="is a conference room"):
        queues.add_queue(office, "800", "Sales")
    queue = queues.add_queue(office, "600", "Sales")
    with pytest.raises(ValidationError, match="is a queue"):
        conferences.add_room(office, "600", "1234")
    check_free_number(office, "600", queue_id=queue.id)  # its own number
    with pytest.raises(ValidationError, match="is an extension"):
        queues.add_queue(office, "105", "Sales")


def test_a_feature_code_is_found_as_the_dialplan_matches_it(office, monkeypatch):
    assert feature_code_of(office, "800") is None
    # every code starts with * or #: a number of digits is never one, unless codes change
    monkeypatch.setattr("switchctl.services.internal_numbers.domain_codes",
                        lambda domain_id: {f.key: ("77" if f.key == "dnd_on" else f.code)
                                           for f in FEATURES})
    assert feature_code_of(office, "77") == "77"
    with pytest.raises(ValidationError, match="number 77 is the feature code 77"):
        conferences.add_room(office, "77", "1234")

"""The admin's conference-room pages (/conferences) and the rules every room and queue
number follows (services/internal_numbers): admins only, their own domain's rooms only
(another domain's room id is not found: the service looks it up within the admin's domain)."""

import pytest

from switchctl.models import ConferenceRoom
from switchctl.services import ValidationError, conferences, queues
from switchctl.services.domains import ensure_domain
from switchctl.services.feature_codes import FEATURES
from switchctl.services.internal_numbers import check_free_number, feature_code_of
from tests.clients import portal as portal_client
from tests.clients.portal import only_admins, page_error

ROOM = {"number": "800", "name": "Board room", "admin_pin": "4321", "user_pin": "1111"}
BAD_INPUT = [
    ({"number": "101"}, "number 101 is an extension"),
    ({"number": "45"}, "number 45 is a parking slot (41-49)"),
    ({"number": "901"}, "number 901 starts with the outbound prefix 9"),
    ({"number": "8a0"}, "number 8a0 must be 2 to 8 digits"),
    ({"number": ""}, "number  must be 2 to 8 digits"),
    ({"number": "700"}, "number 700 is a conference room"),
    ({"number": "600"}, "number 600 is a queue"),
    ({"admin_pin": ""}, "the admin PIN is required"),
    ({"admin_pin": "12"}, "a PIN must be 3 to 8 digits"),
    ({"user_pin": "123456789"}, "a PIN must be 3 to 8 digits"),
    ({"user_pin": "12a4"}, "a PIN must be 3 to 8 digits"),
    ({"user_pin": "4321"}, "the user PIN must differ from the admin PIN"),
    ({"name": "x${y}"}, "the name must be printable text of at most 80 characters without "
                        "$ { } \\"),
]


pytestmark = pytest.mark.usefixtures("quick_hashes")  # not about logging in


def post_form(browser, url, form):
    return portal_client.post_form(browser, "/conferences", url, form)


def test_an_admin_adds_edits_and_deletes_rooms(admin, office):
    response = post_form(admin, "/conferences", ROOM)
    assert response.status_code == 302 and response.location == "/conferences"
    page = admin.get("/conferences").get_data(as_text=True)
    assert 'id="conferences"' in page and 'data-room="800"' in page and "Board room" in page
    room = ConferenceRoom.get(ConferenceRoom.number == "800")
    assert (room.domain_id, room.admin_pin, room.user_pin) == (office.id, "4321", "1111")
    assert post_form(admin, "/conferences", {**ROOM, "number": "801", "user_pin": ""}) \
        .status_code == 302  # the user PIN is optional
    page = admin.get(f"/conferences/{room.id}").get_data(as_text=True)
    assert 'id="edit-conference"' in page and 'value="Board room"' in page
    changed = {"number": "802", "name": "New", "admin_pin": "5555", "user_pin": ""}
    assert post_form(admin, f"/conferences/{room.id}", changed).status_code == 302
    room = ConferenceRoom.get_by_id(room.id)
    assert (room.number, room.name, room.admin_pin, room.user_pin) == ("802", "New", "5555", "")
    assert post_form(admin, f"/conferences/{room.id}", {**changed, "admin_pin": "5556"}) \
        .status_code == 302  # its own number is no clash for itself
    refused = post_form(admin, f"/conferences/{room.id}", {**changed, "number": "801"})
    assert refused.status_code == 400
    assert page_error(refused.get_data(as_text=True)) == "number 801 is a conference room"
    assert ConferenceRoom.get_by_id(room.id).number == "802"
    assert post_form(admin, f"/conferences/{room.id}/delete", {}).status_code == 302
    assert [r.number for r in ConferenceRoom.select()] == ["801"]


def test_bad_input_is_a_clear_message_in_the_readers_language(admin, office):
    conferences.add_room(office, "700", "1234")
    queues.add_queue(office, "600", "Sales line")
    for change, message in BAD_INPUT:
        response = post_form(admin, "/conferences", {**ROOM, **change})
        assert response.status_code == 400, change
        page = response.get_data(as_text=True)
        assert page_error(page) == message, change
        assert f'value="{ROOM["admin_pin"]}"' in page or "admin_pin" in change  # form kept
    assert [r.number for r in ConferenceRoom.select()] == ["700"]
    admin.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    page = admin.get("/conferences").get_data(as_text=True)
    assert "<title>会议室 · switchctl</title>" in page and "管理员密码" in page
    response = post_form(admin, "/conferences", {**ROOM, "number": "101"})
    assert page_error(response.get_data(as_text=True)) == "号码 101 已是分机号码"


def test_others_are_refused_and_other_domains_rooms_not_found(app, admin, office):
    room = conferences.add_room(office, "800", "1234")
    theirs = conferences.add_room(ensure_domain("other.example"), "800", "9999")
    assert admin.get(f"/conferences/{theirs.id}").status_code == 404
    for url in (f"/conferences/{theirs.id}", f"/conferences/{theirs.id}/delete"):
        assert post_form(admin, url, {**ROOM, "number": "809"}).status_code == 404
    assert "9999" not in admin.get("/conferences").get_data(as_text=True)
    assert admin.post("/conferences", data={**ROOM, "number": "808"}).status_code == 400
    assert admin.post(f"/conferences/{room.id}/delete").status_code == 400  # no CSRF token
    only_admins(app, office, ["/conferences", f"/conferences/{room.id}"], [
        ("/conferences", {**ROOM, "number": "808"}), (f"/conferences/{room.id}/delete", {}),
        (f"/conferences/{room.id}", {**ROOM, "number": "808"})])
    response = app.test_client().get("/conferences")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert [(r.number, r.admin_pin) for r in ConferenceRoom.select().order_by(
        ConferenceRoom.id)] == [("800", "1234"), ("800", "9999")]


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
    other = ensure_domain("other.example")
    conferences.add_room(other, "105", "1234")  # numbers are per domain
    queues.add_queue(other, "800", "Theirs")


def test_a_feature_code_is_found_as_the_dialplan_matches_it(office, monkeypatch):
    assert feature_code_of(office, "800") is None
    # every code starts with * or #: a number of digits is never one, unless codes change
    monkeypatch.setattr("switchctl.services.internal_numbers.domain_codes",
                        lambda domain_id: {f.key: ("77" if f.key == "dnd_on" else f.code)
                                           for f in FEATURES})
    assert feature_code_of(office, "77") == "77"
    with pytest.raises(ValidationError, match="number 77 is the feature code 77"):
        conferences.add_room(office, "77", "1234")


def test_a_rooms_page_lists_who_is_in_it_now(config, office, live_view):
    """From the switch's own list (the real json_list of 101 and 102 in room 800)."""
    from switchctl import portal
    from tests.builders.captures import payload
    from tests.clients.portal import ADMIN, open_portal, signed_in

    view, switch = live_view
    switch.answers["conference 800-pbx.local json_list"] = payload(
        "conference/json_list_two_members.json").decode()
    open_portal(office)
    browser = signed_in(portal.create_app(config, view), *ADMIN)
    room = conferences.add_room(office, "800", "1234")
    page = browser.get(f"/conferences/{room.id}").get_data(as_text=True)
    table = page.split('id="conference-members"', 1)[1].split("</table>", 1)[0]
    rows = [row.split("</tr>")[0] for row in table.split("<tr>")[2:]]
    assert [" ".join(cell.split("</td>")[0] for cell in row.split("<td>")[1:])
            for row in rows] == ["102 no no no", "101 yes no no"]
    switch.answers["conference 800-pbx.local json_list"] = \
        "-ERR Conference 800-pbx.local not found\n"
    page = browser.get(f"/conferences/{room.id}").get_data(as_text=True)
    assert "No data" in page.split('id="conference-members"', 1)[1]


def test_a_rooms_page_without_the_switch_says_so(admin, office):
    room = conferences.add_room(office, "800", "1234")
    page = admin.get(f"/conferences/{room.id}").get_data(as_text=True)
    assert "The switch is not connected" in page and 'id="conference-members"' not in page

"""The admin's blacklist page (/blacklist): the same list the phone's *75/*76/*075 change,
paged and searched; admins only (SPEC §5: an admin page; operators are refused too), their
own domain's entries only (another domain's entry id is not found)."""

import pytest

from switchctl.models import BlacklistEntry
from switchctl.services import ValidationError, blacklist
from switchctl.services.domains import ensure_domain
from tests.builders.dialplan import call, steps_of
from tests.clients import portal as portal_client
from tests.clients.portal import only_admins, page_error

NOT_A_NUMBER = "%s is not a phone number (3 to 20 digits, optionally with +)"


pytestmark = pytest.mark.usefixtures("quick_hashes")  # not about logging in


def post_form(browser, url, form):
    return portal_client.post_form(browser, "/blacklist", url, form)


def listed(domain):
    return [entry.number for entry in BlacklistEntry.select().where(
        BlacklistEntry.domain == domain).order_by(BlacklistEntry.number)]


def test_an_admin_adds_and_removes_numbers_and_bad_ones_are_clear(admin, office):
    assert post_form(admin, "/blacklist", {"number": "+8613912345678"}).status_code == 302
    assert post_form(admin, "/blacklist", {"number": "8613912345678"}).status_code == 302
    page = admin.get("/blacklist").get_data(as_text=True)
    assert 'data-number="8613912345678"' in page and "administrator" in page
    assert "8613912345678 was blacklisted already." in page
    for number, message in (
            ("101", "101 is an extension: only outside numbers can be blocked"),
            ("12", NOT_A_NUMBER % "12"), ("139-1234", NOT_A_NUMBER % "139-1234"),
            ("", NOT_A_NUMBER % "")):
        response = post_form(admin, "/blacklist", {"number": number})
        assert response.status_code == 400
        assert page_error(response.get_data(as_text=True)) == message
    assert listed(office) == ["8613912345678"]
    entry = BlacklistEntry.get()
    assert post_form(admin, f"/blacklist/{entry.id}/delete", {}).status_code == 302
    assert listed(office) == []
    admin.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    assert "<title>黑名单 · switchctl</title>" in admin.get("/blacklist").get_data(as_text=True)
    response = post_form(admin, "/blacklist", {"number": "102"})
    assert page_error(response.get_data(as_text=True)) == \
        "102 是分机号码：只有外线号码可以加入黑名单"


def test_numbers_from_the_phone_show_and_the_page_pages_and_searches(admin, client, office):
    steps = steps_of(client, call("101", "*75*13912345678"))
    assert ("playback", "ivr/ivr-has_been_added_to_the_blacklist.wav") in steps
    page = admin.get("/blacklist").get_data(as_text=True)
    assert 'data-number="13912345678"' in page and "extension 101" in page
    steps_of(client, call("102", "*07513912345678#"))
    assert 'data-number="13912345678"' not in admin.get("/blacklist").get_data(as_text=True)
    for n in range(blacklist.PAGE_SIZE + 1):
        blacklist.add(office, f"138{n:08d}")
    page = admin.get("/blacklist").get_data(as_text=True)
    assert page.count("data-number=") == blacklist.PAGE_SIZE and 'rel="next"' in page
    page = admin.get("/blacklist?page=2").get_data(as_text=True)
    assert page.count("data-number=") == 1 and 'rel="prev"' in page
    page = admin.get("/blacklist?q=00000007").get_data(as_text=True)
    assert page.count("data-number=") == 1 and 'data-number="13800000007"' in page
    assert "No data" in admin.get("/blacklist?q=777").get_data(as_text=True)


def test_others_are_refused_and_other_domains_entries_not_found(app, admin, office):
    other = ensure_domain("other.example")
    blacklist.add(other, "13900000000")
    theirs = BlacklistEntry.get(BlacklistEntry.domain == other)
    assert "13900000000" not in admin.get("/blacklist").get_data(as_text=True)
    assert post_form(admin, f"/blacklist/{theirs.id}/delete", {}).status_code == 404
    assert admin.post("/blacklist", data={"number": "13700000000"}).status_code == 400  # CSRF
    only_admins(app, office, ["/blacklist"], [("/blacklist", {"number": "13700000000"}),
                                              (f"/blacklist/{theirs.id}/delete", {})])
    assert listed(office) == [] and listed(other) == ["13900000000"]


@pytest.mark.both_databases
def test_the_list_is_paged_and_searched_by_number(office):
    for n in range(7):
        blacklist.add(office, f"1380000000{n}")
    blacklist.add(office, "02155550000")
    rows, has_next = blacklist.entries(office, page=1, page_size=5)
    assert [r.number for r in rows] == ["02155550000", "13800000000", "13800000001",
                                        "13800000002", "13800000003"] and has_next
    rows, has_next = blacklist.entries(office, page=2, page_size=5)
    assert len(rows) == 3 and not has_next
    assert [r.number for r in blacklist.entries(office, search="5555")[0]] == ["02155550000"]
    assert blacklist.entries(office, search="999")[0] == []
    with pytest.raises(ValidationError):
        blacklist.add(office, "105")

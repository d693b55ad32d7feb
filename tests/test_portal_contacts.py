"""The phonebook pages (/contacts) through the real app, for every role: who sees and
changes what, forged ids, CSRF, bad input, import and export, the Chinese page.

Forged ids: a contact the login does not see (another extension's private one) is not
found (404: the service's query filters by the login, so nothing is found to refuse); a
contact it sees but may not change (a shared one, for an extension user) is refused (403)."""

import html
import io
import re

import pytest
from playhouse.test_utils import count_queries

from switchctl.models import Contact, Domain, PortalAccount
from switchctl.services import logins
from switchctl.services.contacts import MAX_IMPORT_BYTES, add_contact
from switchctl.services.domains import set_portal_enabled
from switchctl.services.extensions import find_extension, set_portal_access
from tests.clients.portal import ADMIN, EXTENSION, OPERATOR, csrf_token, log_in, page_error

LOGINS = {"admin": ADMIN, "operator": OPERATOR, "alice": EXTENSION,
          "bob": ("102", "Passw0rd102")}
STAFF = ("admin", "operator")


# Staff accounts' passwords hashed the quick way: these tests are about the phonebook, and
# scrypt's 0.2 s per login and account was most of their time.
pytestmark = pytest.mark.usefixtures("quick_hashes")


@pytest.fixture
def app(config, office):
    """The portal open to 101 and 102; staff accounts are made when a test logs one in
    (hashing their passwords is what costs a test's time)."""
    from switchctl import portal

    set_portal_enabled(office, True)
    set_portal_access(office, ["101", "102"], True)
    return portal.create_app(config)


@pytest.fixture
def book(office):
    """A shared contact, one of Alice's (101) and one of Bob's (102)."""
    return {"shared": add_contact(office, "ACME Sales", "+86 10 8888 6666", "sales@acme.cn",
                                  "ACME"),
            "alice": add_contact(office, "Alice's dentist", "13912345678",
                                 owner=find_extension(office, "101")),
            "bob": add_contact(office, "Bob's plumber", "13800001111",
                               owner=find_extension(office, "102"))}


def logged_in(app, who, language="en"):
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    if who in STAFF and PortalAccount.get_or_none(PortalAccount.username == LOGINS[who][0]) \
            is None:
        logins.add_account(Domain.get(), LOGINS[who][0], who, LOGINS[who][1])
    if who is not None:
        assert log_in(browser, *LOGINS[who]).status_code == 302
    return browser


def text(response):
    return response.get_data(as_text=True)


def names(page):
    return re.findall(r'<td class="name">([^<]*)</td>', page)


def token(browser):
    return csrf_token(text(browser.get("/contacts")))


def stored(contact):
    return Contact.get_or_none(Contact.id == contact.id)


SEEN = {"alice": ["ACME Sales", "Alice&#39;s dentist"], "bob": ["ACME Sales", "Bob&#39;s plumber"],
        "operator": ["ACME Sales", "Alice&#39;s dentist", "Bob&#39;s plumber"],
        "admin": ["ACME Sales", "Alice&#39;s dentist", "Bob&#39;s plumber"]}


def test_each_role_sees_the_shared_contacts_and_only_its_own_private_ones(app, book):
    for who, seen in SEEN.items():
        page = text(logged_in(app, who).get("/contacts"))
        assert names(page) == seen, who
        assert '<table id="contacts">' in page
        if who in STAFF:
            assert "Extension 101" in page and "Extension 102" in page
            assert page.count('class="edit"') == 3  # staff change every contact
        else:
            assert "Only me" in page and "Everyone" in page
            assert page.count('class="edit"') == 1  # their own, not the shared one


def test_a_page_costs_the_same_queries_however_many_owners_its_rows_have(app, office):
    desk = logged_in(app, "operator")
    owners = [None] + [find_extension(office, n) for n in ("101", "102", "103", "105")]

    def queries():
        with count_queries() as counted:
            assert desk.get("/contacts").status_code == 200
        return counted.count

    add_contact(office, "First", "12345")
    alone = queries()
    for index in range(30):
        add_contact(office, f"Row {index}", f"1{index:04d}", owner=owners[index % 5])
    assert queries() == alone  # one query for the rows and their owners' numbers


def test_logged_out_every_contacts_page_goes_to_the_login(app, book):
    browser = app.test_client()
    for url in ("/contacts", "/contacts/new", f"/contacts/{book['alice'].id}/edit",
                "/contacts/import", "/contacts/export.csv"):
        response = browser.get(url)
        assert response.status_code == 302 and "/login" in response.location
    response = browser.post(f"/contacts/{book['alice'].id}/delete")
    assert response.status_code in (302, 400) and stored(book["alice"]) is not None


def test_an_extension_adds_a_private_contact_and_staff_add_shared_ones(app, office):
    alice = logged_in(app, "alice")
    response = alice.post("/contacts/new", data={
        "phone": "139 0000 1234", "name": "Plumber", "email": "", "company": "Pipes",
        "owner": "", "csrf_token": token(alice)})  # a forged owner field is ignored
    assert response.status_code == 302
    assert "Contact Plumber added." in text(alice.get("/contacts"))
    added = Contact.get(Contact.name == "Plumber")
    assert added.owner_id == find_extension(office, "101").id and added.phone_key == \
        "13900001234"
    desk = logged_in(app, "operator")
    desk.post("/contacts/new", data={"phone": "010-12345", "name": "Front desk",
                                     "csrf_token": token(desk)})
    assert Contact.get(Contact.name == "Front desk").owner_id is None
    assert names(text(logged_in(app, "bob").get("/contacts"))) == ["Front desk"]


def test_search_by_name_or_number_and_no_data_when_nothing_matches(app, book):
    alice = logged_in(app, "alice")
    assert names(text(alice.get("/contacts?q=acme"))) == ["ACME Sales"]
    assert names(text(alice.get("/contacts?q=DENTIST"))) == ["Alice&#39;s dentist"]
    assert names(text(alice.get("/contacts?q=8888 66"))) == ["ACME Sales"]
    assert names(text(alice.get("/contacts?q=139123"))) == ["Alice&#39;s dentist"]
    page = text(alice.get("/contacts?q=plumber"))  # Bob's: not Alice's to find
    assert names(page) == [] and "No data" in page
    assert names(text(alice.get("/contacts?q=13800001111"))) == []
    assert names(text(alice.get("/contacts?q=%25"))) == []  # a wildcard is only a character


def test_the_list_is_sorted_by_name_and_paged(app, office):
    for index in range(23):
        add_contact(office, f"Contact {22 - index:02d}", f"1390000{index:04d}")
    alice = logged_in(app, "alice")
    first = text(alice.get("/contacts"))
    assert names(first) == [f"Contact {n:02d}" for n in range(20)]
    assert 'rel="next" href="/contacts?page=2"' in first
    second = text(alice.get("/contacts?page=2"))
    assert names(second) == ["Contact 20", "Contact 21", "Contact 22"]
    assert 'rel="next"' not in second
    assert names(text(alice.get("/contacts?page=abc"))) == names(first)
    assert names(text(alice.get("/contacts?q=contact 2&page=1"))) == \
        ["Contact 20", "Contact 21", "Contact 22"]


def test_another_extensions_contact_is_not_found_by_a_forged_id(app, book):
    alice = logged_in(app, "alice")
    bobs = book["bob"]
    assert alice.get(f"/contacts/{bobs.id}/edit").status_code == 404
    response = alice.post(f"/contacts/{bobs.id}/edit", data={
        "phone": "1", "name": "Hacked", "csrf_token": token(alice)})
    assert response.status_code == 404
    assert alice.post(f"/contacts/{bobs.id}/delete",
                      data={"csrf_token": token(alice)}).status_code == 404
    assert alice.get("/contacts/999999/edit").status_code == 404
    forged_query = text(alice.get(f"/contacts?owner={bobs.owner_id}&extension=102"))
    assert names(forged_query) == ["ACME Sales", "Alice&#39;s dentist"]  # no such knobs
    kept = stored(bobs)
    assert (kept.name, kept.phone) == ("Bob's plumber", "13800001111")


def test_an_extension_may_not_change_or_delete_a_shared_contact(app, book):
    alice = logged_in(app, "alice")
    shared = book["shared"]
    response = alice.get(f"/contacts/{shared.id}/edit")
    assert response.status_code == 403
    assert page_error(text(response)).startswith("This record is not yours")
    response = alice.post(f"/contacts/{shared.id}/edit", data={
        "phone": "12345", "name": "Changed", "csrf_token": token(alice)})
    assert response.status_code == 403
    assert alice.post(f"/contacts/{shared.id}/delete",
                      data={"csrf_token": token(alice)}).status_code == 403
    assert stored(shared).name == "ACME Sales"


def test_an_extension_edits_and_deletes_its_own(app, book):
    alice = logged_in(app, "alice")
    mine = book["alice"]
    form = text(alice.get(f"/contacts/{mine.id}/edit"))
    assert 'id="contact-form"' in form and 'value="13912345678"' in form
    response = alice.post(f"/contacts/{mine.id}/edit", data={
        "phone": "+86 139 1234 0000", "name": "New dentist", "email": "d@clinic.cn",
        "company": "Clinic", "csrf_token": token(alice)})
    assert response.status_code == 302
    changed = stored(mine)
    assert (changed.name, changed.phone_key, changed.email) == \
        ("New dentist", "8613912340000", "d@clinic.cn")
    assert alice.post(f"/contacts/{mine.id}/delete",
                      data={"csrf_token": token(alice)}).status_code == 302
    assert stored(mine) is None
    assert "Contact New dentist deleted." in text(alice.get("/contacts"))


@pytest.mark.parametrize("who", STAFF)
def test_staff_change_and_delete_every_contact_of_the_domain(app, book, who):
    staff = logged_in(app, who)
    response = staff.post(f"/contacts/{book['bob'].id}/edit", data={
        "phone": "13800001111", "name": "Bob's good plumber", "csrf_token": token(staff)})
    assert response.status_code == 302 and stored(book["bob"]).name == "Bob's good plumber"
    assert stored(book["bob"]).owner_id is not None  # still Bob's
    for contact in book.values():
        assert staff.post(f"/contacts/{contact.id}/delete",
                          data={"csrf_token": token(staff)}).status_code == 302
    assert Contact.select().count() == 0


def test_every_change_needs_its_csrf_token(app, book):
    alice = logged_in(app, "alice")
    mine = book["alice"]
    assert alice.post("/contacts/new", data={"phone": "123", "name": "X"}).status_code == 400
    assert alice.post(f"/contacts/{mine.id}/edit",
                      data={"phone": "123", "name": "X"}).status_code == 400
    assert alice.post(f"/contacts/{mine.id}/delete").status_code == 400
    upload = {"file": (io.BytesIO(b"phone,name\n123,X\n"), "c.csv")}
    assert alice.post("/contacts/import", data=upload).status_code == 400
    assert Contact.select().count() == 3 and stored(mine).name == "Alice's dentist"


BAD_FORMS = [
    ({"phone": "123", "name": "  "}, "a contact needs a name"),
    ({"phone": "abc", "name": "X"}, "the phone number must hold at least two digits "
                                    "(at most 32 characters)"),
    ({"phone": "123", "name": "X", "email": "not-mail"}, "email 'not-mail' is not an address"),
    ({"phone": "123", "name": "${system(rm)}"}, "the name must be printable text of at most "
                                                "80 characters, without $ { } \\"),
    ({"phone": "123", "name": "X" * 81}, "the name must be printable text of at most "
                                         "80 characters, without $ { } \\")]


def test_bad_input_says_what_is_wrong_and_stores_nothing(app, office):
    alice = logged_in(app, "alice")
    for form, message in BAD_FORMS:
        response = alice.post("/contacts/new", data={**form, "csrf_token": token(alice)})
        assert response.status_code == 400
        assert html.unescape(page_error(text(response))) == message
        assert 'id="contact-form"' in text(response)
    assert Contact.select().count() == 0


def upload(browser, data, name="contacts.csv"):
    return browser.post("/contacts/import", data={
        "file": (io.BytesIO(data), name), "csrf_token": token(browser)},
        content_type="multipart/form-data")


def test_an_import_adds_every_row_to_the_logins_book(app, office):
    alice = logged_in(app, "alice")
    data = "\ufeffphone,name,email,company\r\n13911112222,王经理,wang@example.cn,华为\r\n" \
        "010-8888,Bank,,\r\n".encode()
    response = upload(alice, data)
    assert response.status_code == 302
    assert "2 contacts imported." in text(alice.get("/contacts"))
    imported = {c.name: c for c in Contact.select()}
    assert imported["王经理"].company == "华为" and imported["Bank"].phone_key == "0108888"
    assert {c.owner_id for c in imported.values()} == {find_extension(office, "101").id}
    desk = logged_in(app, "operator")
    assert upload(desk, b"name,phone\nShared,555123\n").status_code == 302
    assert Contact.get(Contact.name == "Shared").owner_id is None


BAD_FILES = [
    ("phone,name\n123,Good\nabc,Bad\n,\n5551,\n".encode(),
     "Nothing was imported: 2 rows are not right."),
    ("phone,name\n123,Good\n123,Too,many\n".encode(),
     "Nothing was imported: 1 rows are not right."),
    ("phone;name\n123;Good\n".encode(),
     "the first line must name the columns: phone,name,email,company"),
    ("phone,name\n123,王\n".encode("gbk"),
     "the file is not UTF-8 text: save it as CSV UTF-8"),
    (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "the file is not UTF-8 text: save it as CSV UTF-8"),
    (b"", "the file is empty"),
    (b"phone,name\n" + b"1234,Name\n" * (MAX_IMPORT_BYTES // 10),
     "the file is larger than 512 KiB")]


def test_a_bad_import_says_why_and_imports_nothing(app, office):
    alice = logged_in(app, "alice")
    for data, message in BAD_FILES:
        response = upload(alice, data)
        assert response.status_code == 400 and page_error(text(response)) == message
    assert Contact.select().count() == 0


def test_a_bad_import_lists_the_wrong_rows_by_line(app, office):
    alice = logged_in(app, "alice")
    page = text(upload(alice, b"phone,name\n123,Good\nabc,Bad\n\n5551,\n"))
    listed = re.findall(r"<li>([^<]*)</li>", page.split('id="import-errors"')[1])
    assert listed == ["Line 3: the phone number must hold at least two digits (at most 32 "
                      "characters)", "Line 5: a contact needs a name"]


def test_an_upload_over_the_portals_limit_is_refused_with_a_message(app, office):
    alice = logged_in(app, "alice")
    response = upload(alice, b"phone,name\n" + b"1" * (1024 * 1024 + 10))
    assert response.status_code == 413
    assert page_error(text(response)) == "The file is too large: at most 512 KiB."
    response = alice.post("/contacts/import", data={"csrf_token": token(alice)})
    assert response.status_code == 400
    assert page_error(text(response)) == "Choose a CSV file to import."


def test_the_export_streams_what_the_login_sees(app, book):
    alice = logged_in(app, "alice")
    response = alice.get("/contacts/export.csv")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="contacts.csv"'
    assert text(response).splitlines() == [
        "\ufeffphone,name,email,company", "+86 10 8888 6666,ACME Sales,sales@acme.cn,ACME",
        "13912345678,Alice's dentist,,"]
    cards = text(alice.get("/contacts/export.vcf"))
    assert cards.count("BEGIN:VCARD") == 2 and "FN:ACME Sales" in cards
    assert "plumber" not in cards
    assert len(text(logged_in(app, "admin").get("/contacts/export.csv")).splitlines()) == 4
    assert alice.get("/contacts/export.pdf").status_code == 404


def test_an_export_imports_again_as_it_was(app, office):
    add_contact(office, "=HYPERLINK(evil)", "13911110000", company="@corp")
    desk = logged_in(app, "operator")
    exported = desk.get("/contacts/export.csv").get_data()
    assert b"'=HYPERLINK(evil)" in exported and b"'@corp" in exported  # no formula runs
    Contact.delete().execute()
    assert upload(desk, exported).status_code == 302
    back = Contact.get()
    assert (back.name, back.company) == ("=HYPERLINK(evil)", "@corp")


def test_the_chinese_pages(app, book):
    alice = logged_in(app, "alice", "zh-CN")
    page = text(alice.get("/contacts"))
    assert "<title>联系人 · switchctl</title>" in page and "<th>电话</th>" in page
    assert "仅自己" in page and "所有人" in page and "添加联系人" in page
    assert "暂无数据" in text(alice.get("/contacts?q=nobody"))
    response = alice.post("/contacts/new",
                          data={"phone": "1", "name": "X", "csrf_token": token(alice)})
    assert page_error(text(response)) == "电话号码至少须含两位数字（最多 32 个字符）"
    page = text(upload(alice, b"phone,name\nabc,Bad\n"))
    assert "未导入任何联系人：有 1 行有误。" in page and "第 2 行：" in page
    assert "导入联系人" in text(alice.get("/contacts/import"))

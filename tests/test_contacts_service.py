"""services/contacts: the visibility rule on every read path (a page of the list, a search,
one contact, the caller-ID lookup, the exports), changes only by whom the rule allows, and
CSV import all or nothing; the queries on SQLite and PostgreSQL."""

import pytest

from switchctl.models import Contact
from switchctl.services import ValidationError
from switchctl.services import contacts as service
from switchctl.services.contacts import Phonebook, add_contact, caller_name
from switchctl.services.domains import ensure_domain
from switchctl.services.extensions import add_extension, find_extension


@pytest.fixture
def books(office):
    """Phonebooks of 101, 102, staff, and another domain's staff; a contact in each place."""
    alice, bob = find_extension(office, "101"), find_extension(office, "102")
    other = ensure_domain("other.example")
    stranger, _ = add_extension(other, "101", "Stranger", "Passw0rd101")
    add_contact(office, "ACME Sales", "+86 10 8888 6666", company="ACME")
    add_contact(office, "Alice's dentist", "139 1234 5678", owner=alice)
    add_contact(office, "Bob's plumber", "13800001111", owner=bob)
    add_contact(other, "Other domain", "13912345678")
    add_contact(other, "Stranger's own", "13800001111", owner=stranger)
    return {"alice": Phonebook(office.id, alice.id), "bob": Phonebook(office.id, bob.id),
            "staff": Phonebook(office.id), "other": Phonebook(other.id),
            "ids": {c.name: c.id for c in Contact.select()}}


def listed(book, query="", page=1, size=20):
    return [c.name for c in service.contacts_page(book, query, page, size).contacts]


@pytest.mark.both_databases
def test_every_read_path_keeps_to_the_rule(books):
    assert listed(books["alice"]) == ["ACME Sales", "Alice's dentist"]
    assert listed(books["bob"]) == ["ACME Sales", "Bob's plumber"]
    assert listed(books["staff"]) == ["ACME Sales", "Alice's dentist", "Bob's plumber"]
    assert listed(books["other"]) == ["Other domain", "Stranger's own"]
    assert listed(books["alice"], "plumber") == [] and listed(books["alice"], "1380000") == []
    assert listed(books["staff"], "1380000") == ["Bob's plumber"]
    assert listed(books["alice"], "aLiCe") == ["Alice's dentist"]  # ILIKE on PostgreSQL
    assert listed(books["alice"], "%") == [] and listed(books["alice"], "8888 66") == \
        ["ACME Sales"]
    ids = books["ids"]
    assert service.find_contact(books["alice"], ids["Bob's plumber"]) is None
    assert service.find_contact(books["alice"], ids["Other domain"]) is None
    assert service.find_contact(books["alice"], ids["ACME Sales"]).name == "ACME Sales"
    assert service.find_contact(books["staff"], ids["Bob's plumber"]).owner_number == "102"
    for export in (service.csv_export, service.vcard_export):
        text = "".join(export(books["alice"]))
        assert "ACME" in text and "dentist" in text
        assert "plumber" not in text and "Other" not in text and "Stranger" not in text


def test_the_caller_id_lookup_names_only_a_contact_the_callee_sees(books, office):
    alice, bob = books["alice"], books["bob"]
    assert caller_name(office.id, alice.extension_id, "13912345678") == "Alice's dentist"
    assert caller_name(office.id, bob.extension_id, "13912345678") is None
    assert caller_name(office.id, bob.extension_id, "13800001111") == "Bob's plumber"
    assert caller_name(office.id, alice.extension_id, "13800001111") is None
    assert caller_name(office.id, bob.extension_id, "+861088886666") == "ACME Sales"
    add_contact(office, "Shared dentist", "13912345678")
    assert caller_name(office.id, alice.extension_id, "13912345678") == "Alice's dentist"
    assert service.caller_known_as("102@pbx.local", "13912345678", False) == "Shared dentist"


def test_search_by_name_ignores_case_and_by_number_finds_the_digits_anywhere(books):
    staff = books["staff"]
    assert listed(staff, "aLiCe") == ["Alice's dentist"]
    assert listed(staff, "  acme ") == ["ACME Sales"]
    assert listed(staff, "8888-66") == ["ACME Sales"]
    assert listed(staff, "(139) 1234") == ["Alice's dentist"]
    assert listed(staff, "+86") == ["ACME Sales"]
    assert listed(staff, "100%") == [] and listed(staff, "_") == []  # no wildcards
    assert listed(staff, "'; drop table contact; --") == []
    assert Contact.select().count() == 5


def test_pages_are_sorted_by_name_then_added_order(office):
    for index in range(7):
        add_contact(office, "Same" if index % 2 else f"Name {index}", f"55{index}")
    staff = Phonebook(office.id)
    first = service.contacts_page(staff, page=1, size=3)
    assert [c.name for c in first.contacts] == ["Name 0", "Name 2", "Name 4"] and \
        first.has_next
    second = service.contacts_page(staff, page=2, size=3)
    third = service.contacts_page(staff, page=3, size=3)
    assert [c.name for c in second.contacts] == ["Name 6", "Same", "Same"]
    assert [c.phone for c in third.contacts] == ["555"] and not third.has_next
    assert service.contacts_page(staff, page=9).contacts == []


def test_changes_only_where_the_rule_allows(books):
    ids = books["ids"]
    alice, staff = books["alice"], books["staff"]
    assert not service.update_contact(alice, ids["Bob's plumber"], "Hacked", "123")
    assert not service.update_contact(alice, ids["ACME Sales"], "Hacked", "123")
    assert not service.delete_contact(alice, ids["ACME Sales"])
    assert not service.delete_contact(alice, ids["Other domain"])
    assert not service.delete_contact(staff, ids["Other domain"])
    assert Contact.select().where(Contact.name == "Hacked").count() == 0
    assert Contact.select().count() == 5
    assert service.update_contact(alice, ids["Alice's dentist"], "Dentist", "+86 139")
    assert Contact.get_by_id(ids["Alice's dentist"]).phone_key == "86139"
    assert service.update_contact(staff, ids["Bob's plumber"], "Plumber", "1380000")
    assert service.delete_contact(staff, ids["ACME Sales"])
    mine = service.add_to(alice, "Mine", "12345")
    shared = service.add_to(staff, "Shared", "12346")
    assert mine.owner_id == alice.extension_id and shared.owner_id is None
    assert service.may_change(alice, mine) and not service.may_change(alice, shared)
    assert service.may_change(staff, mine)


def test_a_bad_change_is_refused_and_nothing_changes(books):
    dentist = books["ids"]["Alice's dentist"]
    with pytest.raises(ValidationError, match="at least two digits"):
        service.update_contact(books["alice"], dentist, "Dentist", "x")
    with pytest.raises(ValidationError, match="needs a name"):
        service.add_to(books["alice"], "", "123")
    with pytest.raises(ValidationError, match="company"):
        service.add_to(books["alice"], "A", "123", company="${x}")
    assert Contact.get_by_id(dentist).name == "Alice's dentist"


def csv_file(*lines, bom=False):
    return (("\ufeff" if bom else "") + "\r\n".join(lines) + "\r\n").encode()


def test_an_import_adds_every_row_or_none(books):
    alice = books["alice"]
    data = csv_file("Phone, Name ,email,company", '13911112222,"Wang, Li",w@x.cn,华为',
                    "", "'+8610,'=1+1,,", bom=True)
    assert service.import_csv(alice, data) == 2
    added = Contact.get(Contact.name == "Wang, Li")
    assert (added.owner_id, added.company, added.phone_key) == \
        (alice.extension_id, "华为", "13911112222")
    assert Contact.get(Contact.name == "=1+1").phone == "+8610"
    with pytest.raises(service.ImportRefused) as refused:
        service.import_csv(alice, csv_file("name,phone", "Good,123", "Bad,x", '"Multi',
                                           'line",12', "No phone,", "A,1,2"))
    assert [(line, str(error)) for line, error in refused.value.errors] == [
        (3, "the phone number must hold at least two digits (at most 32 characters)"),
        (5, "the name must be printable text of at most 80 characters, without $ { } \\"),
        (6, "the phone number must hold at least two digits (at most 32 characters)"),
        (7, "expected 2 fields, found 3")]
    assert Contact.select().where(Contact.name == "Good").count() == 0
    assert Contact.select().count() == 7


NOT_SUCH_A_CSV = [
    (b"", "the file is empty"), (b"\r\n  \r\n", "the file is empty"),
    (b"phone,name\n1\xff2,x\n", "not UTF-8"), (b"phone,name\n12,\0\n", "not UTF-8"),
    (b"name\nBob\n", "the first line must name"), (b"phone,name,fax\n", "the first line"),
    (b"phone,name,phone\n", "the first line"),
    (b"x" * (service.MAX_IMPORT_BYTES + 1), "larger than 512 KiB")]


def test_a_file_that_is_not_such_a_csv_is_refused(office):
    book = Phonebook(office.id)
    for data, message in NOT_SUCH_A_CSV:
        with pytest.raises(ValidationError, match=message):
            service.import_csv(book, data)
    assert Contact.select().count() == 0
    # csv's lenient quoting: a stray quote inside a field is read as it stands
    assert service.import_csv(book, b'phone,name\n12,"a"b"\n') == 1
    assert Contact.get().name == 'ab"'


def test_too_many_rows_are_refused(office, monkeypatch):
    monkeypatch.setattr(service, "MAX_IMPORT_ROWS", 3)
    with pytest.raises(ValidationError, match="more than 3 contacts"):
        service.import_csv(Phonebook(office.id), csv_file("phone,name", *["12,a"] * 4))
    assert Contact.select().count() == 0


@pytest.mark.both_databases
def test_exports_read_in_chunks_and_keep_every_contact_once(office, monkeypatch):
    monkeypatch.setattr(service, "EXPORT_CHUNK", 2)
    for index in range(5):
        add_contact(office, "Same name" if index < 3 else f"Name {index}", f"10{index}",
                    email="a@b.cn" if index == 0 else "", company="X, Y; Z")
    lines = list(service.csv_export(Phonebook(office.id)))
    assert lines[0] == "\ufeffphone,name,email,company\r\n"
    assert sorted(lines[1:]) == sorted([
        "103,Name 3,,\"X, Y; Z\"\r\n", "104,Name 4,,\"X, Y; Z\"\r\n",
        "100,Same name,a@b.cn,\"X, Y; Z\"\r\n", "101,Same name,,\"X, Y; Z\"\r\n",
        "102,Same name,,\"X, Y; Z\"\r\n"])
    cards = list(service.vcard_export(Phonebook(office.id)))
    assert len(cards) == 5 and cards[2].split("\r\n") == [
        "BEGIN:VCARD", "VERSION:3.0", "FN:Same name", "N:Same name;;;;", "TEL;TYPE=VOICE:100",
        "EMAIL;TYPE=INTERNET:a@b.cn", "ORG:X\\, Y\\; Z", "END:VCARD", ""]

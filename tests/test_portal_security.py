"""A security review of the portal, as tests: an extension user (or an operator) after
another extension's records, another domain's, or an outsider; what a download carries
(CSV injection, file names, headers); bad query strings; secrets shown once; the login's
second step. Each test names what it proves; the review's findings that were fixed have a
test here that failed before the fix."""

import base64
import csv
import datetime
import io
import json
import re
import time
import zlib

import pytest
from werkzeug.security import generate_password_hash

from switchctl.models import CallRecord, Contact, Domain, Extension, PortalAccount, Recording
from switchctl.passwords import PIN_HASH_METHOD
from switchctl.services import extensions as extension_service
from switchctl.services import logins
from switchctl.services.contacts import add_contact
from switchctl.services.domains import ensure_domain
from switchctl.services.extensions import add_extension, find_extension
from tests.builders.audio import wav
from tests.clients.portal import csrf_token, log_in, open_portal, page_error

START = datetime.datetime(2026, 11, 30, 9)
UID = "0b7f2a3c-1d2e-4f00-8a00-123456789abc"
LOGINS = {"admin": ("boss", "AdminPassw0rd"), "101": ("101", "Passw0rd101"),
          "102": ("102", "Passw0rd102")}


@pytest.fixture(autouse=True)
def quick_account_hashes(monkeypatch):
    """Staff passwords hashed the quick way: these tests are not about scrypt's cost."""
    monkeypatch.setattr(logins, "hash_account_password",
                        lambda password: generate_password_hash(password,
                                                                method=PIN_HASH_METHOD))


@pytest.fixture
def app(config, office):
    from switchctl import portal

    open_portal(office)
    return portal.create_app(config)


def logged_in(app, who):
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert log_in(browser, *LOGINS[who]).status_code == 302
    return browser


def text(response):
    return response.get_data(as_text=True)


def token_of(browser, path):
    return csrf_token(text(browser.get(path)))


# Downloads: a spreadsheet must not run what a user typed.

def test_a_contact_phone_that_is_a_formula_is_exported_as_text(app, office):
    """Finding (fixed): the contacts CSV guarded name, email and company, not the phone;
    an extension user could plant ``=cmd|...`` (two digits make it a phone) in a private
    contact, and an operator's or admin's export of the whole phonebook carried it as a
    live formula."""
    alice = logged_in(app, "101")
    planted = "=cmd|'/c calc'!A01"
    response = alice.post("/contacts/new", data={
        "name": "Trap", "phone": planted, "csrf_token": token_of(alice, "/contacts/new")})
    assert response.status_code == 302
    add_contact(office, "ACME", "+86 10 8888 6666")
    add_contact(office, "Dash", "-2+3")
    admin = logged_in(app, "admin")
    rows = list(csv.reader(io.StringIO(text(admin.get("/contacts/export.csv")).lstrip("\ufeff"))))
    phones = {row[1]: row[0] for row in rows[1:]}
    assert phones["Trap"] == "'" + planted
    assert phones["Dash"] == "'-2+3"
    assert phones["ACME"] == "+86 10 8888 6666"  # a real number keeps its +
    # ... and an import of the export reads the phone back as it was typed.
    again = admin.post("/contacts/import", data={
        "file": (io.BytesIO("phone,name\r\n'=1+23,Back\r\n".encode()), "c.csv"),
        "csrf_token": token_of(admin, "/contacts/import")})
    assert again.status_code == 302
    assert Contact.get(Contact.name == "Back").phone == "=1+23"


def test_call_record_csv_cells_from_caller_ids_are_text(app, office):
    """Sound: an outside caller's name or number that a spreadsheet would run is guarded
    in the call records CSV, and the file name is the extension's number only."""
    alice_ext = find_extension(office, "101")
    CallRecord.create(domain=office, uuid="c1", direction="inbound",
                      caller_number="+1 555 0100", caller_name='=HYPERLINK("http://x","y")',
                      callee_number="101", callee_extension=alice_ext, start=START, end=START,
                      disposition="ANSWERED")
    CallRecord.create(domain=office, uuid="c2", direction="inbound",
                      caller_number="@SUM(1+1)", caller_name="-1+cmd",
                      callee_number="101", callee_extension=alice_ext, start=START, end=START,
                      disposition="ANSWERED")
    response = logged_in(app, "101").get("/calls/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="calls-101.csv"'
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(text(response).lstrip("\ufeff"))))
    cells = {row["uuid"]: row for row in rows}
    assert cells["c1"]["caller_name"].startswith("'=")
    assert cells["c1"]["caller"] == "+1 555 0100"
    assert cells["c2"]["caller"].startswith("'@") and cells["c2"]["caller_name"] == "'-1+cmd"


# Query strings: bad input is the first page, never a server error.

@pytest.mark.parametrize("page", ["\u00b2", "1" * 5000])
def test_a_page_number_that_is_no_number_is_the_first_page(app, page):
    """Finding (fixed): ``page`` passed ``str.isdigit`` for a superscript two ("²") and for
    a number of thousands of digits, and ``int()`` of either raised: 500 on every paged
    list (and a traceback in the log) for anyone who typed it."""
    alice, admin = logged_in(app, "101"), logged_in(app, "admin")
    for browser, path in ((alice, "/contacts"), (alice, "/calls"), (alice, "/voicemail"),
                          (alice, "/recordings"), (admin, "/extensions/manage")):
        assert browser.get(path, query_string={"page": page}).status_code in (200, 400), path


@pytest.mark.parametrize("extra", [{"_external": "1", "_scheme": "javascript"},
                                   {"endpoint": "x"}, {"_anchor": "x"}, {"_method": "x"}])
def test_the_pager_keeps_the_search_and_nothing_that_steers_url_for(app, office, extra):
    """Finding (fixed): the pager's links passed the whole query string to ``url_for``, so
    ``?endpoint=x`` answered 500 on every paged list, and ``_external``, ``_scheme``,
    ``_anchor`` chose what the links became (an absolute URL, a fragment)."""
    for number in range(25):
        add_contact(office, f"Shared {number:02}", f"1380000{number:04}")
    response = logged_in(app, "101").get("/contacts",
                                         query_string={"page": "2", "q": "Shared", **extra})
    assert response.status_code == 200
    links = re.findall(r'<a rel="(?:prev|next)" href="([^"]*)"', text(response))
    assert links == ["/contacts?page=1&amp;q=Shared"], links


def test_a_form_page_number_that_is_no_number_is_the_first_page(app, office, config):
    """Finding (fixed): the list's page sent with a form (``page``: where to come back to)
    went through ``int()`` after ``isdigit()`` too (paging.form_page)."""
    from switchctl.models import VoicemailMessage

    box = find_extension(office, "101")
    VoicemailMessage.create(domain=office, mailbox=box, uid=UID, caller_number="13800000000",
                            caller_name="", duration=5, path=f"voicemail/{UID}.wav")
    alice = logged_in(app, "101")
    response = alice.post(f"/voicemail/{UID}/read", data={
        "read": "1", "page": "\u00b2", "csrf_token": token_of(alice, "/voicemail")})
    assert response.status_code == 302 and response.location == "/voicemail"


# Uploads: a file an admin sends cannot hold the process.

def test_an_import_header_of_many_columns_is_refused_at_once(office):
    """Finding (fixed): the extension import's header check counted each column's repeats
    with ``list.count``, once per column: a 512 KiB header of single letters (250,000
    columns) took hours on the event loop, which also answers FreeSWITCH."""
    header = "number,name,password," + ",".join(["x"] * 20_000)
    began = time.perf_counter()
    with pytest.raises(extension_service.ImportRejected):
        extension_service.import_csv(office, header + "\n")
    assert time.perf_counter() - began < 0.5


# Secrets shown once.

def test_a_generated_password_page_is_not_kept_by_any_cache(app, office):
    admin = logged_in(app, "admin")
    bob = find_extension(office, "102")
    path = f"/extensions/manage/{bob.id}/password"
    response = admin.post(path, data={"csrf_token": token_of(admin, "/extensions/manage")})
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    response = admin.post("/accounts", data={
        "username": "desk", "role": "operator", "password": "",
        "csrf_token": token_of(admin, "/accounts")})
    assert response.status_code == 201 and "no-store" in response.headers["Cache-Control"]
    assert "desk" not in admin.get_cookie("session").value  # nor in the cookie


# Another extension's and another domain's records.

@pytest.fixture
def elsewhere(office):
    """Domain other.example with its own extension 101, a contact and a recording of a call
    with this office's 101 uuid (a forged link between the two)."""
    other = ensure_domain("other.example")
    stranger, _ = add_extension(other, "101", "Stranger", "Passw0rd999")
    add_contact(other, "Other domain's secret", "13800001111")
    CallRecord.create(domain=office, uuid="ours", direction="inbound",
                      caller_number="13800001111", callee_number="101",
                      callee_extension=find_extension(office, "101"), start=START, end=START,
                      disposition="ANSWERED")
    return {"domain": other, "stranger": stranger,
            "recording": Recording.create(domain=other, extension=stranger, call_uuid="ours",
                                          path="recordings/x.wav", duration=3, started=START)}


def test_another_domains_records_stay_out_of_this_domains_pages(app, config, elsewhere):
    """Sound: call records and recordings pages check the domain in Python for a few rows
    (services.call_records._contact_names, services.recordings.recordings_of_calls,
    calls_of): another domain's contact of the same number names no call, and its
    recording of a call with our uuid shows no link and opens nothing."""
    (config.media_folder / "recordings").mkdir(parents=True)
    (config.media_folder / "recordings" / "x.wav").write_bytes(wav(0.2))
    alice = logged_in(app, "101")
    page = text(alice.get("/calls"))
    assert "13800001111" in page and "Other domain" not in page
    assert f"/recordings/{elsewhere['recording'].id}/" not in page
    assert "Other domain" not in text(alice.get("/calls/export.csv"))
    assert f"/recordings/{elsewhere['recording'].id}/" not in text(alice.get("/recordings"))
    for action in ("audio", "download"):
        assert alice.get(f"/recordings/{elsewhere['recording'].id}/{action}").status_code == 404
    admin = logged_in(app, "admin")
    assert "Other domain" not in text(admin.get("/contacts/export.csv"))
    assert "Other domain" not in text(admin.get("/contacts", query_string={"q": "%"}))
    stranger = elsewhere["stranger"].id
    assert admin.get(f"/extensions/manage/{stranger}").status_code == 404
    token = token_of(admin, "/extensions/manage")
    assert admin.post(f"/extensions/manage/{stranger}/password",
                      data={"csrf_token": token}).status_code == 404
    assert Extension.get_by_id(stranger).sip_ha1 == elsewhere["stranger"].sip_ha1


def test_a_recording_path_out_of_the_media_folder_is_not_served(app, config, office):
    """Sound: a recording row whose path leads out of the media folder (``..``, absolute)
    serves nothing."""
    secret = config.media_folder.parent / "secret.wav"
    config.media_folder.mkdir(parents=True, exist_ok=True)
    secret.write_bytes(wav(0.2))
    alice_ext = find_extension(office, "101")
    alice = logged_in(app, "101")
    for path in ("../secret.wav", str(secret)):
        row = Recording.create(domain=office, extension=alice_ext, call_uuid="u-" + path,
                               path=path, duration=1, started=START)
        response = alice.get(f"/recordings/{row.id}/download")
        assert response.status_code == 302 and response.mimetype != "audio/wav"


# Click-to-dial and redirects.

@pytest.mark.parametrize("number", ["102 XML default", "102&hupall", "102\n\nbgapi", "*,x=1"])
def test_click_to_dial_takes_a_number_and_nothing_else(app, number):
    alice = logged_in(app, "101")
    response = alice.post("/dial", data={"number": number, "next": "//evil.example/",
                                         "csrf_token": token_of(alice, "/contacts")})
    assert response.status_code == 302 and response.location == "/extensions"
    assert "is not a number to dial" in page_error(text(alice.get("/extensions")))


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "https://evil.example",
                                    "/\t/evil.example", "javascript:alert(1)"])
def test_next_never_leaves_the_portal(app, target):
    browser = app.test_client()
    assert log_in(browser, *LOGINS["101"], next_url=target).location == "/extensions"
    response = browser.post("/language", data={"lang": "en", "next": target,
                                               "csrf_token": token_of(browser, "/contacts")})
    assert response.location == "/"


def test_state_changes_need_the_csrf_token(app, office):
    alice = logged_in(app, "101")
    mine = add_contact(office, "Mine", "13912345678", owner=find_extension(office, "101"))
    for path, form in (("/logout", {}), ("/settings/dnd", {"dnd": "on"}),
                       ("/dial", {"number": "102"}), (f"/contacts/{mine.id}/delete", {}),
                       ("/language", {"lang": "zh_Hans"})):
        assert alice.post(path, data=form).status_code == 400, path
    assert Contact.get_or_none(Contact.id == mine.id) is not None
    assert alice.get("/contacts").status_code == 200  # still logged in


# The login's second step.

def session_cookie(browser):
    """The portal's session cookie as JSON (Flask signs it; it does not hide it)."""
    value = browser.get_cookie("session").value
    compressed = value.startswith(".")
    payload = value.lstrip(".").split(".")[0]
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return json.loads(zlib.decompress(data) if compressed else data)


def test_the_second_step_cannot_be_skipped_or_forged(app, office):
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    PortalAccount.update(totp_secret=secret, totp_last_step=0).where(
        PortalAccount.username == "boss").execute()
    browser = app.test_client()
    assert log_in(browser, *LOGINS["admin"]).location == "/login"
    for path in ("/accounts", "/extensions/manage", "/settings", "/contacts"):
        assert browser.get(path).status_code == 302, path  # to the login page
    # A cookie whose pending login was edited by hand is not signed: nothing pending.
    pending = session_cookie(browser)["pending_login"]
    assert pending["principal"]["name"] == "boss"
    forged = app.test_client()
    forged.set_cookie("session", browser.get_cookie("session").value.replace("b", "c", 1))
    assert 'id="totp-code"' not in text(forged.get("/login"))


def enrolling(browser):
    """Start enrolling a TOTP secret; the secret the settings page shows."""
    browser.post("/settings/totp/start", data={"csrf_token": token_of(browser, "/settings")})
    return re.search(r'id="totp-secret">([A-Z2-7]+)<', text(browser.get("/settings"))).group(1)


def test_the_secret_being_enrolled_is_not_in_the_cookie(app):
    """Finding (fixed): the TOTP secret being enrolled was kept in the session cookie, which
    Flask signs but does not encrypt. The session keeps a random nonce now; the server
    derives the secret from it with its own key."""
    admin = logged_in(app, "admin")
    secret = enrolling(admin)
    cookie = json.dumps(session_cookie(admin))
    assert "totp_enrolling" not in cookie and secret not in cookie
    assert enrolling(admin) != secret  # started again: another nonce, another secret


def test_turning_the_second_factor_on_asks_for_the_password(app):
    """Finding (fixed): turning TOTP on asked for no password, so a stolen session could
    enrol its own secret, end the owner's other sessions and lock the owner out. A missing
    or wrong password now changes nothing (and a wrong one counts as a failed login)."""
    import pyotp

    admin, owner = logged_in(app, "admin"), logged_in(app, "admin")
    secret = enrolling(admin)
    for typed in ({}, {"password": "AdminPassw0rd1"}):
        response = admin.post("/settings/totp/confirm", data={
            "code": pyotp.TOTP(secret).now(), **typed,
            "csrf_token": token_of(admin, "/settings")})
        assert response.status_code == 400
    assert page_error(text(response)) == "The current password is wrong."
    assert not PortalAccount.get(PortalAccount.username == "boss").totp_secret
    assert owner.get("/settings").status_code == 200


def test_a_changed_password_ends_the_copies_of_the_old_cookie(app):
    alice = logged_in(app, "101")
    copy = app.test_client()
    copy.set_cookie("session", alice.get_cookie("session").value)
    assert copy.get("/settings").status_code == 200
    response = alice.post("/settings/sip-password", data={
        "current": "Passw0rd101", "new": "NewPassw0rd1", "again": "NewPassw0rd1",
        "csrf_token": token_of(alice, "/settings")})
    assert response.status_code == 302
    assert alice.get("/settings").status_code == 200  # this browser: a new session
    assert copy.get("/settings").status_code == 302  # the copy: logged out


def test_errors_show_no_traceback(app, monkeypatch):
    from switchctl.portal.contacts import views

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals /etc/switchctl")

    monkeypatch.setattr(views.service, "contacts_page", broken)
    response = logged_in(app, "101").get("/contacts")
    assert response.status_code == 500
    assert "Traceback" not in text(response) and "secret internals" not in text(response)


def test_domain_of_a_session_is_its_own(app, elsewhere):
    """Sound: a session's principal carries its own domain; nothing in a request names one."""
    alice = logged_in(app, "101")
    assert Domain.select().count() == 2
    page = text(alice.get("/extensions"))
    assert "Stranger" not in page


def test_a_secret_being_enrolled_does_not_pass_to_the_next_login(app, office):
    """Finding (fixed): the secret being enrolled stayed in the browser's cookie after a
    log-out, and the next account to log in there was offered it to enrol (one the first
    person had seen and kept: their codes would then open the second account)."""
    logins.add_account(office, "chief", "admin", "ChiefPassw0rd")
    browser = logged_in(app, "admin")
    secret = enrolling(browser)
    browser.post("/logout", data={"csrf_token": token_of(browser, "/settings")})
    assert "totp_nonce" not in session_cookie(browser)
    assert log_in(browser, "chief", "ChiefPassw0rd").status_code == 302
    page = text(browser.get("/settings"))
    assert secret not in page and 'id="totp-secret"' not in page


@pytest.mark.both_databases
def test_a_nul_in_a_search_or_a_number_is_no_server_error(app, office):
    """Finding (fixed): PostgreSQL refuses a NUL in a text parameter (psycopg2 raises
    ValueError, not a database error), and the contacts search, the extension list's search
    and a queue's agent number passed one on: 500 there, on PostgreSQL only."""
    from switchctl.services import queues

    queue = queues.add_queue(office, "600", "Sales line")
    alice, admin = logged_in(app, "101"), logged_in(app, "admin")
    for browser, path, field in ((alice, "/contacts", "q"), (admin, "/contacts", "q"),
                                 (admin, "/extensions/manage", "q"), (alice, "/calls", "number")):
        response = browser.get(path, query_string={field: "10\x00"})
        assert response.status_code in (200, 400), path
    token = token_of(admin, "/contacts")
    for action in ("agents", "agents/delete"):
        response = admin.post(f"/queues/{queue.id}/{action}",
                              data={"extension": "101\x00", "csrf_token": token})
        assert response.status_code == 400, action
    assert not list(queues.agents(queue))


@pytest.mark.both_databases
def test_an_email_address_with_a_control_character_is_refused(app, office):
    """Finding (fixed): an email address was any text around an @ without spaces, so a NUL
    or another control character passed: stored as it was on SQLite (and on to the
    voicemail emails' To:), a 500 on PostgreSQL."""
    alice, admin = logged_in(app, "101"), logged_in(app, "admin")
    response = alice.post("/settings/voicemail", data={
        "voicemail": "on", "email": "a\x00@b.cn", "csrf_token": token_of(alice, "/settings")})
    assert response.status_code == 400
    assert page_error(text(response)) == "That is not an email address."
    bob = find_extension(office, "102")
    token = token_of(admin, "/extensions/manage")
    for path, number in (("/extensions/manage/new", "150"), (f"/extensions/manage/{bob.id}", "")):
        response = admin.post(path, data={"number": number, "name": "X", "email": "b\x01@x.cn",
                                          "csrf_token": token})
        assert response.status_code == 400, path
    assert find_extension(office, "101").email == "" and find_extension(office, "102").email == ""
    assert find_extension(office, "150") is None

"""Who may open what in the portal (switchctl/portal/access.py): each role against each
page, and the ownership rule for records of an extension, through the real app."""

import pytest
from flask import Blueprint

from switchctl import portal
from switchctl.models import Contact, Domain
from switchctl.models.logins import ROLE_ADMIN, ROLE_EXTENSION, ROLE_OPERATOR, ROLES
from switchctl.portal.access import (ANY_ROLE, PAGE_REFUSED, PUBLIC, RECORD_REFUSED, STAFF,
                                     access_of, require_owner, roles_required)
from switchctl.services.contacts import add_contact
from switchctl.services.domains import ensure_domain, set_portal_enabled
from switchctl.services.extensions import add_extension, find_extension, set_portal_access
from switchctl.services.logins import add_account
from tests.clients.portal import ROLE_LOGINS, csrf_token, log_in, page_error

pytestmark = pytest.mark.usefixtures("quick_hashes")  # account hashes: not what is tested

LOGINS = ROLE_LOGINS

# Pages that exist only in these tests, to show what a refusal looks like.
probe = Blueprint("probe", __name__)


@probe.get("/probe/admin")
@roles_required(ROLE_ADMIN)
def admin_page():
    return "admin page"


@probe.get("/probe/staff")
@roles_required(*STAFF)
def staff_page():
    return "staff page"


@probe.get("/probe/own")
@roles_required(ROLE_EXTENSION)
def own_page():
    return "own page"


@probe.get("/probe/contacts/<int:contact_id>")
@roles_required(*ANY_ROLE)
def contact_page(contact_id):
    contact = Contact.select(Contact, Domain).join(Domain).where(Contact.id == contact_id).get()
    require_owner(contact.domain.name, contact.owner_id)
    return f"contact {contact.name}"


@pytest.fixture
def accounts(office):
    set_portal_enabled(office, True)
    set_portal_access(office, ["101", "102"], True)
    add_account(office, "boss", ROLE_ADMIN, "AdminPassw0rd")
    add_account(office, "desk", ROLE_OPERATOR, "DeskPassw0rd1")
    return office


@pytest.fixture
def app(config, accounts):
    app = portal.create_app(config)
    app.register_blueprint(probe)
    return app


def logged_in(app, role):
    browser = app.test_client()
    if role is not None:
        assert log_in(browser, *LOGINS[role]).status_code == 302
    return browser


def test_every_view_declares_who_may_open_it(config, db):
    app = portal.create_app(config)
    declared = {endpoint: access_of(view) for endpoint, view in app.view_functions.items()
                if endpoint != "static"}
    assert None not in declared.values(), [e for e, a in declared.items() if a is None]
    # Open without a login: the home page, the login and the language switch (on the login
    # page too); nothing else.
    assert {e for e, a in declared.items() if a == PUBLIC} == {
        "index", "auth.login", "i18n.choose"}
    assert declared["auth.logout"] == declared["extensions.index"] == set(ROLES)


def test_an_unknown_role_is_a_mistake_at_once():
    with pytest.raises(ValueError):
        roles_required("superuser")
    with pytest.raises(ValueError):
        roles_required()


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_extension_list(app, role):
    response = logged_in(app, role).get("/extensions")
    assert response.status_code == 200
    assert 'data-extension="105"' in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_logs_out(app, role):
    browser = logged_in(app, role)
    token = csrf_token(browser.get("/extensions").get_data(as_text=True))
    assert browser.post("/logout", data={"csrf_token": token}).location == "/login"
    assert browser.get("/extensions").status_code == 302


@pytest.mark.parametrize("role", ROLES)
def test_the_login_page_and_the_home_page_send_a_logged_in_user_to_the_list(app, role):
    browser = logged_in(app, role)
    assert browser.get("/login").location == "/extensions"
    assert browser.get("/").location == "/extensions"


def test_without_a_login_only_the_login_page_opens(app):
    browser = app.test_client()
    assert browser.get("/login").status_code == 200
    assert browser.get("/").location == "/login"
    assert browser.get("/extensions").location == "/login?next=/extensions"
    assert browser.get("/events").status_code == 401
    assert browser.get("/probe/admin").location == "/login?next=/probe/admin"
    token = csrf_token(browser.get("/login").get_data(as_text=True))
    assert browser.post("/logout", data={"csrf_token": token}).status_code == 302


@pytest.mark.parametrize("role", ROLES)
def test_every_role_gets_the_event_stream(config, accounts, live_view, role):
    view, _ = live_view
    browser = logged_in(portal.create_app(config, view), role)
    response = browser.get("/events", buffered=False)
    assert response.status_code == 200
    assert b"event: extensions" in next(iter(response.response))
    response.close()
    assert not view.hub.subscribers


@pytest.mark.parametrize("path, allowed", [
    ("/probe/admin", {ROLE_ADMIN}),
    ("/probe/staff", {ROLE_ADMIN, ROLE_OPERATOR}),
    ("/probe/own", {ROLE_EXTENSION}),
], ids=["admin page", "staff page", "extension page"])
@pytest.mark.parametrize("role", ROLES)
def test_a_page_refuses_the_other_roles_with_the_error_page(app, path, allowed, role,
                                                            caplog):
    response = logged_in(app, role).get(path)
    text = response.get_data(as_text=True)
    if role in allowed:
        assert response.status_code == 200 and text.endswith(" page")
        return
    assert response.status_code == 403
    assert page_error(text) == PAGE_REFUSED and "Traceback" not in text
    assert any(f"({role}) refused at {path}" in r.getMessage() for r in caplog.records)


@pytest.fixture
def records(accounts):
    """Contacts of 101, of 102, of the whole domain, and of another domain (one even naming
    our 101 as its owner): what the ownership rule is tried on."""
    other = ensure_domain("other.example")
    stranger, _ = add_extension(other, "101", "Other Alice", "Passw0rd101")
    alice, bob = find_extension(accounts, "101"), find_extension(accounts, "102")
    made = {"own": add_contact(accounts, "Alice's", "200", owner=alice),
            "other extension": add_contact(accounts, "Bob's", "201", owner=bob),
            "whole domain": add_contact(accounts, "Shared", "202"),
            "other domain": add_contact(other, "Stranger's", "203", owner=stranger),
            "other domain, our 101": add_contact(other, "Odd", "204", owner=alice)}
    return {name: contact.id for name, contact in made.items()}


OWNERSHIP = {  # record -> the roles that may open it
    "own": set(ROLES),
    "other extension": set(STAFF),
    "whole domain": set(STAFF),
    "other domain": set(),
    "other domain, our 101": set(),
}


@pytest.mark.both_databases
@pytest.mark.parametrize("role", ROLES)
def test_a_record_opens_only_for_its_extension_or_the_staff_of_its_domain(app, records, role):
    browser = logged_in(app, role)  # each record tried in turn (one office per role)
    for record, opens_for in OWNERSHIP.items():
        response = browser.get(f"/probe/contacts/{records[record]}")
        text = response.get_data(as_text=True)
        if role in opens_for:
            assert response.status_code == 200 and text.startswith("contact "), record
        else:
            assert response.status_code == 403, record
            assert page_error(text) == RECORD_REFUSED and "Traceback" not in text, record

"""Logging in to the portal from tests, as a browser would (CSRF token from the form)."""

import re

from werkzeug.security import generate_password_hash

from switchctl.models import PortalAccount
from switchctl.services.domains import set_portal_enabled
from switchctl.services.extensions import set_portal_access
from switchctl.services.logins import add_account

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ERROR = re.compile(r'class="error" role="alert">([^<]*)<')
ADMIN = ("boss", "AdminPassw0rd")  # the admin account open_portal makes
OPERATOR = ("desk", "DeskPassw0rd1")  # the operator account tests add
EXTENSION = ("101", "Passw0rd101")  # a demo extension open_portal opens the portal to
# A login of each role (the keys are the role names of models.logins).
ROLE_LOGINS = {"admin": ADMIN, "operator": OPERATOR, "extension": EXTENSION}
# An account hash quick to make and check (the real one costs ~0.3 s each): for the tests
# that are not about logging in.
QUICK_HASH = "pbkdf2:sha256:1000"


def csrf_token(page_text):
    found = CSRF.search(page_text)
    assert found, "no CSRF token in the page"
    return found.group(1)


def page_error(page_text):
    found = ERROR.search(page_text)
    return found.group(1) if found else None


def log_in(client, username, password, next_url=None):
    """Log in with a Flask test client; return the POST's response."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    url = "/login" if next_url is None else f"/login?next={next_url}"
    return client.post(url, data={"username": username, "password": password,
                                  "csrf_token": token})


def signed_in(app, username, password, language="en"):
    """A test client of ``app`` logged in as ``username`` (asking for ``language``)."""
    browser = app.test_client()
    if language is not None:
        browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    assert log_in(browser, username, password).status_code == 302
    return browser


def post_form(browser, page, url, form):
    """POST ``form`` to ``url`` with the CSRF token of ``page`` (one the browser may see)."""
    token = csrf_token(browser.get(page).get_data(as_text=True))
    return browser.post(url, data={**form, "csrf_token": token})


def quick_hash(password):
    return generate_password_hash(password, QUICK_HASH)


def quick_account(domain, username, role, password):
    """An account whose hash is quick to check (the login is not what is tested)."""
    return PortalAccount.create(domain=domain, username=username, role=role,
                                password_hash=quick_hash(password))


def log_in_http(session, base, username, password):
    """Log in with a requests.Session against a running server."""
    token = csrf_token(session.get(f"{base}/login", timeout=10).text)
    form = {"username": username, "password": password, "csrf_token": token}
    response = session.post(f"{base}/login", data=form, allow_redirects=False, timeout=10)
    assert response.status_code == 302, page_error(response.text)
    return response


def open_portal(office):
    """The conftest ``office`` with its user portal open to 101 and 102, and an admin
    account ``boss`` (password AdminPassw0rd)."""
    set_portal_enabled(office, True)
    set_portal_access(office, ["101", "102"], True)
    add_account(office, "boss", "admin", "AdminPassw0rd")


def only_admins(app, office, pages, posts):
    """An operator (desk, made here) and the extension user 101 are refused (403) each of
    ``pages`` and each ``(url, form)`` of ``posts`` sent with a good CSRF token: only the
    role refuses them."""
    add_account(office, *OPERATOR[:1], "operator", OPERATOR[1])
    for login in (OPERATOR, EXTENSION):
        browser = signed_in(app, *login)
        for url in pages:
            assert browser.get(url).status_code == 403, (login[0], url)
        token = csrf_token(browser.get("/extensions").get_data(as_text=True))
        for url, form in posts:
            response = browser.post(url, data={**form, "csrf_token": token})
            assert response.status_code == 403, (login[0], url)

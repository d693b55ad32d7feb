"""The admin's Fax settings page (/fax/settings): the settings in force, changed together
or not at all (a refusal keeps what was typed and stores nothing), an empty field puts the
default back; what is saved is what the queue sends with; admins only."""

import html

import pytest

from switchctl.services import fax
from tests.clients import portal as portal_client
from tests.clients.portal import only_admins, page_error

pytestmark = pytest.mark.usefixtures("quick_hashes")  # not about logging in


def post_form(browser, form):
    return portal_client.post_form(browser, "/fax/settings", "/fax/settings", form)


def field(page, key):
    start = page.index(f'name="{key}"')
    return html.unescape(page[start:page.index(">", start)].split('value="', 1)[1].split('"')[0])


def test_the_page_shows_the_settings_in_force_and_saves_what_changed(admin, office):
    page = admin.get("/fax/settings").get_data(as_text=True)
    assert (field(page, "fax_retries"), field(page, "fax_paper"), field(page, "fax_header")) == \
        ("3", "A4", "")
    answer = post_form(admin, {"fax_retries": "5", "fax_paper": "Letter",
                               "fax_header": "ACME Sales", "fax_ident": "+33 1 2345"})
    assert answer.status_code == 302 and answer.location == "/fax/settings"
    rules = fax.settings(office)
    assert (rules.retries, rules.paper, rules.header, rules.ident, rules.ring_seconds) == (
        5, "Letter", "ACME Sales", "+33 1 2345", 60)
    page = admin.get("/fax/settings").get_data(as_text=True)
    assert "Fax settings saved." in page and field(page, "fax_header") == "ACME Sales"
    post_form(admin, {"fax_retries": ""})  # the default back
    assert fax.settings(office).retries == 3 and fax.settings(office).paper == "Letter"


@pytest.mark.parametrize(("form", "said"), [
    ({"fax_retries": "11"}, "fax_retries is a whole number from 0 to 10"),
    ({"fax_paper": "A3"}, "fax_paper is one of A4, Letter"),
    ({"fax_header": 'ACME "Sales"'}, "fax_header is at most 50 characters of plain ASCII, "
                                     "without quotes, commas, braces, backslashes or $"),
    ({"fax_ident": "call me"}, "fax_ident is at most 20 digits, spaces and +"),
])
def test_a_refused_value_stores_nothing_and_keeps_what_was_typed(admin, office, form, said):
    answer = post_form(admin, {"fax_ring_seconds": "90", **form})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 400 and said in html.unescape(page_error(text))
    key, value = next(iter(form.items()))
    assert field(text, key) == value and field(text, "fax_ring_seconds") == "90"
    assert fax.settings(office).ring_seconds == 60  # not half-written


def test_only_admins_open_the_fax_settings(app, office):
    only_admins(app, office, ["/fax/settings"], [("/fax/settings", {"fax_retries": "1"})])
    assert fax.settings(office).retries == 3

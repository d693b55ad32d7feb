"""The admin's Fax numbers page (/fax/numbers): a number added there is answered by the
switch's fax receiver (the dialplan the switch asks for), removed it routes as before;
bad numbers and owners are refused with the reason and nothing is added; admins only, their
own domain's numbers only."""

import html

import pytest

from switchctl.models import Extension, FaxNumber
from switchctl.services import fax_numbers
from switchctl.services.domains import ensure_domain
from switchctl.services.extensions import add_extension
from tests.builders.dialplan import actions, call
from tests.clients import portal as portal_client
from tests.clients.portal import only_admins, page_error
from tests.clients.xml_curl import parsed, post

pytestmark = pytest.mark.usefixtures("quick_hashes")  # not about logging in


def post_form(browser, url, form):
    return portal_client.post_form(browser, "/fax/numbers", url, form)


def answered_by_the_fax_receiver(client, number):
    steps = actions(parsed(post(client, call("", number, context="public"))))
    return "rxfax" in [application for application, _ in steps]


def numbers_of(domain):
    return [row.number for row in FaxNumber.select().where(FaxNumber.domain == domain)]


def test_a_number_added_on_the_page_is_answered_as_a_fax_and_removed_is_not(
        admin, client, office):
    assert not answered_by_the_fax_receiver(client, "5550100")
    answer = post_form(admin, "/fax/numbers", {"number": "5550100", "extension": "102"})
    assert answer.status_code == 302 and answer.location == "/fax/numbers"
    page = admin.get("/fax/numbers").get_data(as_text=True)
    assert "5550100 answers as the fax of extension 102." in page
    assert 'data-number="5550100"' in page and ">Answered as a fax<" in page
    assert answered_by_the_fax_receiver(client, "5550100")
    Extension.update(enabled=False).where(Extension.number == "102").execute()
    page = admin.get("/fax/numbers").get_data(as_text=True)
    assert "Not answered: the owner is disabled" in page
    entry = FaxNumber.get()
    assert post_form(admin, f"/fax/numbers/{entry.id}/delete", {}).status_code == 302
    assert "5550100 is no longer a fax number." in admin.get("/fax/numbers").get_data(
        as_text=True)
    assert numbers_of(office) == []


@pytest.mark.parametrize(("form", "said"), [
    ({"number": "55-50", "extension": "102"},
     "55-50 is not a fax number (2 to 31 digits, + first if international)"),
    ({"number": "", "extension": "102"},
     " is not a fax number (2 to 31 digits, + first if international)"),
    ({"number": "101", "extension": "102"}, "number 101 is an extension"),
    ({"number": "5550100", "extension": "999"}, "there is no extension 999"),
    ({"number": "5550100", "extension": ""}, "there is no extension ''"),
])
def test_bad_numbers_and_owners_are_refused_and_nothing_is_added(admin, office, form, said):
    answer = post_form(admin, "/fax/numbers", form)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 400 and html.unescape(page_error(text)) == said
    assert f'value="{form["number"]}"' in text  # what was typed comes back
    assert numbers_of(office) == []


def test_a_number_already_a_fax_number_is_refused(admin, office):
    post_form(admin, "/fax/numbers", {"number": "5550100", "extension": "102"})
    answer = post_form(admin, "/fax/numbers", {"number": "5550100", "extension": "101"})
    assert page_error(answer.get_data(as_text=True)) == "5550100 is already a fax number"
    assert [(row.number, row.extension.number) for row in fax_numbers.listing(office)] == \
        [("5550100", "102")]


def test_others_are_refused_and_other_domains_numbers_not_found(app, admin, office):
    other = ensure_domain("other.example")
    theirs = fax_numbers.assign(add_extension(other, "201", "Ann")[0], "5550200")
    assert "5550200" not in admin.get("/fax/numbers").get_data(as_text=True)
    assert post_form(admin, f"/fax/numbers/{theirs.id}/delete", {}).status_code == 404
    answer = post_form(admin, "/fax/numbers", {"number": "5550300", "extension": "201"})
    assert page_error(answer.get_data(as_text=True)) == "there is no extension 201"
    assert admin.post("/fax/numbers", data={"number": "5550400", "extension": "102"}
                      ).status_code == 400  # no CSRF token
    only_admins(app, office, ["/fax/numbers"],
                [("/fax/numbers", {"number": "5550500", "extension": "102"}),
                 (f"/fax/numbers/{theirs.id}/delete", {})])
    assert numbers_of(office) == [] and numbers_of(other) == ["5550200"]

"""The admin's outbound routes and gateway list (/outbound-routes): a prefix through a
gateway of the list, served by the dialplan from the next call on."""

import pytest

from switchctl.models import OutboundRoute
from switchctl.services import ValidationError, conferences
from switchctl.services import outbound_routes as routes
from switchctl.services.domains import ensure_domain
from tests.builders.dialplan import bridges, call, steps_of
from tests.clients import portal as portal_client
from tests.clients.portal import only_admins, page_error


pytestmark = pytest.mark.usefixtures("quick_hashes")  # not about logging in


def post_form(browser, url, form):
    return portal_client.post_form(browser, "/outbound-routes", url, form)


def route_table(office):
    return [(r.prefix, r.gateway) for r in routes.list_routes(office)]


def test_a_route_changed_in_the_page_is_what_the_next_call_gets(admin, client, office):
    assert bridges(steps_of(client, call("101", "985337106"))) == ["sofia/gateway/trunk/85337106"]
    assert post_form(admin, "/outbound-routes/gateways", {"name": "backup-1"}).status_code == 302
    assert post_form(admin, "/outbound-routes", {"prefix": "0", "gateway": "backup-1"}) \
        .status_code == 302
    assert bridges(steps_of(client, call("101", "013800000000"))) == \
        ["sofia/gateway/backup-1/13800000000"]
    nine = OutboundRoute.get(OutboundRoute.prefix == "9")
    page = admin.get(f"/outbound-routes/{nine.id}").get_data(as_text=True)
    assert 'id="edit-route"' in page and '<option value="backup-1"' in page
    response = post_form(admin, f"/outbound-routes/{nine.id}",
                         {"prefix": "8", "gateway": "backup-1"})
    assert response.status_code == 302
    assert bridges(steps_of(client, call("101", "885337106"))) == \
        ["sofia/gateway/backup-1/85337106"]
    assert bridges(steps_of(client, call("101", "985337106"))) == []  # 9 leads nowhere now
    assert post_form(admin, f"/outbound-routes/{nine.id}/delete", {}).status_code == 302
    assert route_table(office) == [("0", "backup-1")]
    listing = admin.get("/outbound-routes").get_data(as_text=True)
    assert 'data-prefix="0"' in listing and 'data-gateway="backup-1"' in listing


def test_bad_routes_and_gateways_are_clear_messages_in_the_readers_language(admin, office):
    conferences.add_room(office, "800", "1234")
    for form, message in (
            ({"prefix": "9", "gateway": "trunk"}, "prefix 9 has a route already"),
            ({"prefix": "90", "gateway": "trunk"}, "prefix 90 overlaps the route of prefix 9"),
            ({"prefix": "1", "gateway": "trunk"},
             "prefix 1 is the start of the number 101 already in use"),
            ({"prefix": "80", "gateway": "trunk"},
             "prefix 80 is the start of the number 800 already in use"),
            ({"prefix": "4", "gateway": "trunk"},
             "prefix 4 is the start of the number 41 already in use"),
            ({"prefix": "*", "gateway": "trunk"}, "prefix * must be 1 to 8 digits"),
            ({"prefix": "0", "gateway": "nowhere"}, "gateway nowhere is not in the gateway list")):
        response = post_form(admin, "/outbound-routes", form)
        assert response.status_code == 400
        assert page_error(response.get_data(as_text=True)) == message, form
    for name, message in (
            ("trunk", "gateway trunk is listed already"),
            ("a/b", "gateway name a/b must be 1 to 64 letters, digits, _ . or - "
                    "(as in the switch&#39;s gateway file)"),
            ("x${y}", "gateway name x${y} must be 1 to 64 letters, digits, _ . or - "
                      "(as in the switch&#39;s gateway file)")):
        response = post_form(admin, "/outbound-routes/gateways", {"name": name})
        assert page_error(response.get_data(as_text=True)) == message
    response = post_form(admin, "/outbound-routes/gateways/delete", {"name": "trunk"})
    assert page_error(response.get_data(as_text=True)) == \
        "gateway trunk is used by the route of prefix 9"
    assert route_table(office) == [("9", "trunk")] and routes.gateways(office) == ["trunk"]
    admin.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    page = admin.get("/outbound-routes").get_data(as_text=True)
    assert "<title>呼出路由 · switchctl</title>" in page and "网关" in page
    response = post_form(admin, "/outbound-routes", {"prefix": "9", "gateway": "trunk"})
    assert page_error(response.get_data(as_text=True)) == "前缀 9 已有呼出路由"


def test_a_room_number_may_not_start_with_a_new_prefix(office):
    routes.add_gateway(office, "backup")
    routes.add_route(office, "0", "backup")
    with pytest.raises(ValidationError, match="starts with the outbound prefix 0"):
        conferences.add_room(office, "011", "1234")
    with pytest.raises(ValidationError, match="used by the route of prefix 0"):
        routes.remove_gateway(office, "backup")
    routes.remove_route(routes.route_by_prefix(office, "0"))
    routes.remove_gateway(office, "backup")
    assert routes.gateways(office) == ["trunk"]


def test_operators_extension_users_and_other_domains_are_refused(app, admin, office):
    other = ensure_domain("other.example")
    theirs = routes.route_by_prefix(other, "9")
    assert admin.get(f"/outbound-routes/{theirs.id}").status_code == 404
    for url in (f"/outbound-routes/{theirs.id}", f"/outbound-routes/{theirs.id}/delete"):
        assert post_form(admin, url, {"prefix": "7", "gateway": "trunk"}).status_code == 404
    only_admins(app, office, ["/outbound-routes"], [
        ("/outbound-routes", {"prefix": "0", "gateway": "trunk"}),
        ("/outbound-routes/gateways", {"name": "evil"}),
        (f"/outbound-routes/{theirs.id}/delete", {})])
    assert admin.post("/outbound-routes/gateways", data={"name": "x"}).status_code == 400
    assert route_table(office) == [("9", "trunk")] and route_table(other) == [("9", "trunk")]
    assert routes.gateways(office) == ["trunk"]

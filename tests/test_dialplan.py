import pytest
from playhouse.test_utils import count_queries

from switchctl.freeswitch import prompts
from switchctl.models import Extension
from switchctl.services.extensions import set_outbound_caller_id
from switchctl.xml_curl import dialplan
from switchctl.xml_curl.request import parse_body
from tests.builders.dialplan import actions, bound, call
from tests.clients.xml_curl import is_not_found, parsed, post

pytestmark = pytest.mark.both_databases


def test_call_from_101_to_102_bridges_to_102_with_a_ring_timeout(client, office):
    root = parsed(post(client, call("101", "102")))
    assert root.xpath("/document/section[@name='dialplan']/context/@name") == ["default"]
    sales = Extension.get(Extension.number == "102").department_id
    assert actions(root) == [
        ("set", "force_transfer_context=default"),
        ("hash", "insert/pbx.local-spymap/101/${uuid}"),
        ("hash", "insert/pbx.local-spyside/101/b"),
        *bound("self"),  # 101's own in-call codes
        ("hash", "insert/pbx.local-ringing/102/${uuid}"),
        ("hash", "insert/pbx.local-spymap/102/${uuid}"),
        ("hash", "insert/pbx.local-spyside/102/a"),
        ("hash", f"insert/pbx.local-ringgroup/dept{sales}/${{uuid}}"),
        *bound("peer"),  # 102's, pressed on the leg the bridge rings
        ("export", "dialed_extension=102"),
        ("multiset", "call_timeout=30 hangup_after_bridge=true continue_on_fail=true "
                     f"ringback={prompts.RINGBACK} switchctl_path=102"),
        ("bridge", "user/102@pbx.local"),
        ("transfer", "102 XML outcome"),
    ]
    (condition,) = root.xpath("//condition")
    assert (condition.get("field"), condition.get("expression")) == \
        ("destination_number", "^102$")


def test_ring_time_follows_the_extension(client, office, db):
    with db.connection_context():
        Extension.update(ring_seconds=15).where(Extension.number == "102").execute()
    (variables,) = [data for app, data in actions(parsed(post(client, call("101", "102"))))
                    if app == "multiset" and "call_timeout" in data]
    assert "call_timeout=15" in variables.split()


def test_prefix_9_goes_out_through_the_trunk_gateway(client, office):
    steps = actions(parsed(post(client, call("101", "985337106"))))
    assert steps[3:11] == bound("self")  # an outside party has no codes: no peer side
    assert steps[11:] == [
        ("multiset", "call_timeout=60 hangup_after_bridge=true continue_on_fail=true"),
        ("bridge", "sofia/gateway/trunk/85337106"),
        ("transfer", "985337106 XML outcome"),
    ]


def test_outbound_caller_id_of_the_extension_is_presented(client, office, db):
    with db.connection_context():
        set_outbound_caller_id(Extension.get(Extension.number == "101"), "+861088886666")
    steps = actions(parsed(post(client, call("101", "90123456789"))))
    (variables,) = [data for app, data in steps if app == "multiset" and "call_timeout" in data]
    assert "effective_caller_id_number=+861088886666" in variables.split()
    assert ("bridge", "sofia/gateway/trunk/0123456789") in steps


def test_extension_without_outbound_permission_is_refused(client, office):
    steps = actions(parsed(post(client, call("103", "985337106"))))
    assert ("playback", prompts.NOT_PERMITTED) in steps
    assert steps[-1] == ("hangup", "OUTGOING_CALL_BARRED")
    assert not [s for s in steps if s[0] == "bridge"]


@pytest.mark.parametrize("destination", ["555", "9", "91", "*999#", "104"])
def test_unknown_numbers_get_a_prompt_and_hang_up(client, office, destination):
    steps = actions(parsed(post(client, call("101", destination))))
    assert steps == [("pre_answer", ""), ("sleep", "500"),
                     ("playback", prompts.CANNOT_COMPLETE), ("hangup", "UNALLOCATED_NUMBER")]


def test_caller_that_is_not_our_extension_cannot_route_in_default(client, office):
    steps = actions(parsed(post(client, call("999", "102"))))
    assert steps[-1] == ("hangup", "CALL_REJECTED")


def test_dialled_text_never_reaches_the_xml(client, office):
    response = post(client, call("101", "${system(touch /tmp/x)}"))
    assert b"system" not in response.data
    (condition,) = parsed(response).xpath("//condition")
    assert condition.get("expression") is None


def test_public_context_rings_an_extension_and_nothing_else(client, office):
    ring = actions(parsed(post(client, call("", "102", context="public"))))
    assert ("bridge", "user/102@pbx.local") in ring
    out = actions(parsed(post(client, call("", "985337106", context="public"))))
    assert not [s for s in out if s[0] == "bridge"]


@pytest.mark.parametrize(("disposition", "prompt", "cause"), [
    ("USER_BUSY", prompts.USER_BUSY, "USER_BUSY"),
    ("NO_ANSWER", prompts.NOT_AVAILABLE, "NO_ANSWER"),
    ("USER_NOT_REGISTERED", prompts.NOT_AVAILABLE, "USER_NOT_REGISTERED"),
    ("GATEWAY_DOWN", prompts.CANNOT_COMPLETE, "NORMAL_TEMPORARY_FAILURE"),
])
def test_failed_bridge_outcomes_are_told_to_the_caller(client, office, disposition, prompt,
                                                       cause):
    """With 102's voicemail off (on, the call reaches its mailbox: test_routing)."""
    Extension.update(voicemail_enabled=False).where(Extension.number == "102").execute()
    body = call("101", "102", context="outcome", originate_disposition=disposition)
    steps = actions(parsed(post(client, body)))
    assert ("playback", prompt) in steps
    assert steps[-1] == ("hangup", cause)


def test_unknown_context_is_not_found_and_an_unknown_domain_routes_nowhere(client, office):
    assert is_not_found(parsed(post(client, call("101", "102", context="nowhere"))))
    steps = actions(parsed(post(client, call("101", "102", domain_name="x.invalid"))))
    assert steps[-1] == ("hangup", "CALL_REJECTED")


def test_a_forged_domain_name_never_reaches_the_xml(client, office):
    response = post(client, call("", "102", context="public",
                                 domain_name="${system(id)}"))
    assert b"system" not in response.data
    assert ("bridge", "user/102@pbx.local") in actions(parsed(response))


def test_trunk_calls_without_domain_use_the_configured_domain(client, office):
    steps = actions(parsed(post(client, call("", "101", domain_name="", context="public"))))
    assert ("bridge", "user/101@pbx.local") in steps


def test_every_prompt_in_the_dialplan_is_known(client, office):
    bodies = [call("101", "102"), call("103", "985337106"), call("101", "555"),
              call("101", "102", context="outcome", originate_disposition="USER_BUSY"),
              call("101", "102", context="outcome", originate_disposition="NO_ANSWER")]
    played = {data for body in bodies
              for app, data in actions(parsed(post(client, body))) if app == "playback"}
    assert played and all(prompts.is_known(p) for p in played)


@pytest.mark.parametrize(("destination", "queries"), [("102", 2), ("985337106", 3), ("555", 6)])
def test_routing_takes_one_query_for_the_extensions_and_one_for_the_codes(
        config, office, db, destination, queries):
    """The extensions (caller and dialled) in one query; a bridge adds one for the domain's
    in-call codes, read once for both sides (bindings.one_request); an outside number
    one for the routes. A short number that is none of those is looked for as a parking
    slot (the lot's settings), a room, a queue and a fax number, one query each: a misdial's
    cost."""
    request = parse_body(call("101", destination))
    with db.connection_context(), count_queries() as counter:
        dialplan.answer(request, config.domain)
    assert counter.count == queries


def test_a_planted_second_user_name_is_not_believed(client, office):
    """A Verto client may set a variable named 'x&variable_user_name=101&y' (FreeSWITCH
    posts names unencoded): identity comes only from a field that occurs once."""
    forged = call("103", "985337106").replace(
        b"&variable_user_name=103", b"&variable_user_name=101&variable_user_name=103")
    steps = actions(parsed(post(client, forged)))
    assert steps[-1] == ("hangup", "CALL_REJECTED")
    assert not [s for s in steps if s[0] == "bridge"]


def test_a_planted_second_domain_name_is_not_believed(client, office, db):
    from switchctl.services.domains import ensure_domain
    from switchctl.services.extensions import add_extension

    other = ensure_domain("other.example")
    add_extension(other, "102", "Someone else", "Passw0rdXYZ")
    forged = call("", "102", context="public").replace(
        b"&variable_domain_name=pbx.local",
        b"&variable_domain_name=other.example&variable_domain_name=pbx.local")
    assert ("bridge", "user/102@pbx.local") in actions(parsed(post(client, forged)))


def test_domains_do_not_see_each_others_extensions(client, office, db):
    from switchctl.services.domains import ensure_domain
    from switchctl.services.extensions import add_extension

    other = ensure_domain("other.example")
    add_extension(other, "201", "Elsewhere", "Passw0rdXYZ")
    steps = actions(parsed(post(client, call("101", "201"))))
    assert steps[-1] == ("hangup", "UNALLOCATED_NUMBER")


def test_a_browser_user_is_who_it_logged_in_as_whatever_variables_it_sets(client, office):
    """Verto channels: identity from the caller profile (the login), not from variables."""
    body = call("101", "985337106")
    body = body.replace(b"Caller-Source=mod_sofia", b"Caller-Source=mod_verto")
    body = body.replace(b"Caller-Username=1000", b"Caller-Username=103%40pbx.local")
    steps = actions(parsed(post(client, body)))
    assert steps[-1] == ("hangup", "OUTGOING_CALL_BARRED")  # 103, not the 101 it claimed
    allowed = body.replace(b"Caller-Username=103%40pbx.local", b"Caller-Username=101%40pbx.local")
    assert ("bridge", "sofia/gateway/trunk/85337106") in actions(parsed(post(client, allowed)))


def test_transfers_asked_by_a_phone_stay_in_the_calls_first_context(client, office):
    inside = actions(parsed(post(client, call("101", "102"))))
    outside = actions(parsed(post(client, call("", "102", context="public"))))
    assert inside[0] == ("set", "force_transfer_context=default")
    assert outside[0] == ("set", "force_transfer_context=public")


def test_a_leg_switchctl_rang_routes_as_its_extension(client, office):
    """102's phone transfers its caller: the leg has presence_id=102@pbx.local (the
    directory's dial-string), no user_name."""
    body = call("", "105", dialed_user="102", dialed_domain="pbx.local",
                presence_id="102@pbx.local")
    body = body.replace(b"&variable_user_name=&", b"&")
    outbound = body.replace(b"&Call-Direction=inbound&", b"&Call-Direction=outbound&")
    assert ("bridge", "user/105@pbx.local") in actions(parsed(post(client, outbound)))
    # The calling leg has dialed_user too once it rang 102: without user_name it is a
    # trunk caller, nobody's.
    assert actions(parsed(post(client, body)))[-1] == ("hangup", "CALL_REJECTED")
    barred = call("", "985337106", dialed_user="103", dialed_domain="pbx.local",
                  presence_id="103@pbx.local")
    barred = barred.replace(b"&variable_user_name=&", b"&")
    barred = barred.replace(b"&Call-Direction=inbound&", b"&Call-Direction=outbound&")
    assert actions(parsed(post(client, barred)))[-1] == ("hangup", "OUTGOING_CALL_BARRED")

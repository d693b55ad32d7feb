"""freeswitch-conf/ is what an operator runs FreeSWITCH with: check it as FreeSWITCH reads it."""

from urllib.parse import urlsplit

import pytest
from lxml import etree

from switchctl import config as config_module
from switchctl.xml_curl.app import CDR_PATH, XML_PATH
from tests.fakes.fsconf import CONF, preprocess

DEFAULTS = config_module.load({})


@pytest.fixture(scope="module")
def conf():
    result = preprocess()
    return result, etree.fromstring(result.text.encode())


def configuration(root, name):
    (element,) = root.xpath(f"/document/section[@name='configuration']"
                            f"/configuration[@name='{name}']")
    return element


def param(element, name):
    values = element.xpath(f".//param[@name='{name}']/@value")
    assert len(values) == 1, name
    return values[0]


@pytest.mark.parametrize("path", sorted(CONF.rglob("*.xml")), ids=lambda p: str(p.name))
def test_every_file_is_well_formed_xml(path):
    etree.parse(str(path))


def test_includes_resolve_and_every_global_is_defined(conf):
    result, _ = conf
    assert result.problems == []
    assert set(CONF.rglob("*.xml")) == set(result.files), "files never included"


def test_xml_curl_points_at_the_path_switchctl_serves(conf):
    _, root = conf
    bindings = configuration(root, "xml_curl.conf").xpath(".//param[@name='gateway-url']")
    assert bindings
    for binding in bindings:
        url = urlsplit(binding.get("value"))
        assert url.path == XML_PATH
        assert url.netloc == str(DEFAULTS.switch_address)
        assert set(binding.get("bindings").split("|")) >= {"directory", "dialplan"}
    assert int(param(configuration(root, "xml_curl.conf"), "timeout")) > 0


def test_xml_cdr_posts_raw_xml_to_the_same_service(conf):
    _, root = conf
    cdr = configuration(root, "xml_cdr.conf")
    url = urlsplit(param(cdr, "url"))
    assert (url.netloc, url.path) == (str(DEFAULTS.switch_address), CDR_PATH)
    assert param(cdr, "encode") == "textxml"
    assert param(cdr, "log-b-leg") == "false" and param(cdr, "prefix-a-leg") == "true"


def test_xml_cdr_tries_for_a_minute_then_keeps_the_record_in_its_spool(conf):
    """A switchctl restart or upgrade fits in the tries; a longer outage's records go to
    err-log-dir, which switchctl imports (SWITCHCTL_CDR_SPOOL, switchctl cdr import)."""
    _, root = conf
    cdr = configuration(root, "xml_cdr.conf")
    assert int(param(cdr, "retries")) * int(param(cdr, "delay")) >= 60
    assert param(cdr, "err-log-dir").endswith("/xml_cdr")


def test_event_socket_matches_switchctl_defaults(conf):
    _, root = conf
    esl = configuration(root, "event_socket.conf")
    assert f"{param(esl, 'listen-ip')}:{param(esl, 'listen-port')}" == str(DEFAULTS.esl)
    assert param(esl, "password") == DEFAULTS.esl_password


def test_domain_is_switchctls_and_is_the_digest_realm(conf):
    result, root = conf
    assert result.variables["domain"] == DEFAULTS.domain
    (internal,) = root.xpath("//configuration[@name='sofia.conf']//profile[@name='internal']")
    for name in ("challenge-realm", "force-register-domain", "force-register-db-domain"):
        assert param(internal, name) == DEFAULTS.domain, name
    assert param(internal, "auth-calls") == "true"


def test_no_static_users_and_the_fallback_dialplan_routes_nowhere(conf):
    _, root = conf
    assert root.xpath("/document/section[@name='directory']//user") == []
    for context in ("default", "public"):
        apps = root.xpath(f"/document/section[@name='dialplan']/context[@name='{context}']"
                          "//action/@application")
        assert "respond" in apps and "bridge" not in apps and "transfer" not in apps


def test_modules_the_design_needs_are_loaded(conf):
    _, root = conf
    loaded = set(configuration(root, "modules.conf").xpath(".//load/@module"))
    needed = {"mod_sofia", "mod_verto", "mod_event_socket", "mod_xml_curl", "mod_xml_cdr",
              "mod_dptools", "mod_commands", "mod_conference", "mod_spandsp", "mod_callcenter",
              "mod_valet_parking", "mod_sndfile", "mod_tone_stream", "mod_local_stream",
              "mod_say_en", "mod_db", "mod_hash", "mod_dialplan_xml", "mod_loopback"}
    assert needed <= loaded


def test_trunk_gateway_is_named_as_the_outbound_route_expects(conf):
    from switchctl.services.domains import DEFAULT_GATEWAY

    _, root = conf
    assert root.xpath(f"//profile[@name='external']//gateway[@name='{DEFAULT_GATEWAY}']")

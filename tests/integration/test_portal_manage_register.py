"""The admin's extension page on the real switch: an extension created through the page
registers a real SIP phone (sipp) with the password the page showed once; a wrong
password is refused; once deleted through the page, it registers no more."""

import re

import gevent
import pytest
import requests

from tests.clients.cli import switchctl
from tests.clients.portal import csrf_token, log_in_http
from tests.integration.sip_phones import free_udp_port, register

pytestmark = pytest.mark.integration
ADMIN = ("registrar", "RegistrarPassw0rd")
SHOWN = re.compile(r'<code class="once" id="sip-password">([^<]+)</code>')


def in_thread(work, *args, **kwargs):
    """Blocking HTTP or sipp off the gevent loop (the served process is elsewhere)."""
    return gevent.get_hub().threadpool.apply(work, args, kwargs)


@pytest.fixture
def admin(served):
    added = switchctl(served.data, "account", "add", ADMIN[0], "--role", "admin",
                      "--password", ADMIN[1])
    assert added.returncode == 0 or "already exists" in added.stderr, added.stderr
    session = requests.Session()
    in_thread(log_in_http, session, f"http://{served.http}", *ADMIN)
    return session


def form_post(session, base, page, url, **form):
    token = csrf_token(session.get(f"{base}{page}", timeout=10).text)
    return session.post(f"{base}{url}", data={"csrf_token": token, **form},
                        allow_redirects=False, timeout=10)


def test_an_extension_made_on_the_page_registers_a_real_phone(served, sip_address, admin):
    base = f"http://{served.http}"
    created = in_thread(form_post, admin, base, "/extensions/manage/new",
                        "/extensions/manage/new", number="160", name="Page phone",
                        enabled="1", voicemail_enabled="1", outbound_allowed="1")
    assert created.status_code == 201, created.text[-500:]
    password = SHOWN.search(created.text).group(1)
    extension_id = re.search(r'href="/extensions/manage/(\d+)"', created.text).group(1)
    port = free_udp_port()
    assert in_thread(register, sip_address, "160", password, port)
    assert not in_thread(register, sip_address, "160", password + "x", free_udp_port())
    in_thread(register, sip_address, "160", password, port, 0)  # unregister

    deleted = in_thread(form_post, admin, base, f"/extensions/manage/{extension_id}/delete",
                        f"/extensions/manage/{extension_id}/delete", confirm="160")
    assert deleted.status_code == 302
    assert not in_thread(register, sip_address, "160", password, free_udp_port())

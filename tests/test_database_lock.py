"""Another process holding SQLite's write lock must not hold up ``switchctl serve``: writes
wait for it cooperatively while the switch's lookups go on being answered (as a real
process on a real socket; under SQLite's own busy wait the whole event loop stopped)."""

import concurrent.futures
import sqlite3
import uuid

import requests
from lxml import etree

from tests.builders.captures import payload, xml_curl_body
from tests.clients.cli import demo_passwords, free_tcp_port, start_serve, switchctl

CDR = "xml_cdr/2f_unregistered_encode_textxml_a_leg.cdr.xml"
CAPTURED_UUID = b"c5c16f78-8d86-4888-bc96-2741a25d47ff"


def test_held_write_lock_delays_writes_but_not_lookups(tmp_path):
    init = switchctl(tmp_path, "init", "--demo")
    assert init.returncode == 0, init.stderr
    assert demo_passwords(init.stdout)
    http = f"127.0.0.1:{free_tcp_port()}"  # where FreeSWITCH's endpoints are
    server = start_serve(tmp_path, f"127.0.0.1:{free_tcp_port()}", SWITCHCTL_SWITCH_HTTP=http)
    holder = sqlite3.connect(tmp_path / "switchctl.sqlite3", isolation_level=None)
    posts = concurrent.futures.ThreadPoolExecutor(max_workers=6)
    try:
        template = payload(CDR)
        assert CAPTURED_UUID in template
        holder.execute("BEGIN IMMEDIATE")  # another process writes, and takes its time
        pending = [posts.submit(requests.post, f"http://{http}/cdr", timeout=30,
                                data=template.replace(CAPTURED_UUID, str(uuid.uuid4()).encode()),
                                headers={"Content-Type": "text/xml"}) for _ in range(6)]
        lookup = requests.post(f"http://{http}/xml_curl", timeout=30, data=xml_curl_body(
            "1a_directory_sip_auth_REGISTER_1000", user="101", domain="pbx.local"),
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        # The lookup was answered while every write still waits for the lock.
        assert etree.fromstring(lookup.content).xpath("//user/@id") == ["101"]
        assert not any(post.done() for post in pending)
        holder.execute("COMMIT")
        assert [post.result().status_code for post in pending] == [200] * 6
        (stored,) = holder.execute("SELECT count(*) FROM call_record").fetchone()
        assert stored == 6
    finally:
        posts.shutdown(wait=False, cancel_futures=True)
        if holder.in_transaction:
            holder.execute("ROLLBACK")
        holder.close()
        server.kill()
        server.wait()

"""The process's log: no secret at any level, nothing from outside that starts a line."""

import logging
import re
import signal
import sqlite3
import sys

import pytest
import requests

from switchctl import logs
from switchctl.passwords import sip_ha1
from tests.builders.captures import xml_curl_body
from tests.clients.cli import demo_passwords, free_tcp_port, start_serve, switchctl

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ \S+: ")
FORM = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "freeswitch-xml/1.0"}


@pytest.mark.parametrize(("text", "written"), [
    ("102", "102"),
    ("Zoë 李", "Zoë 李"),
    ("a\nb", "a\\nb"),
    ("a\r\nb\tc", "a\\r\\nb\\tc"),
    ("\x1b[31mred\x00", "\\x1b[31mred\\x00"),
    ("next\x85line\u2028sep", "next\\x85line\\u2028sep"),
    ("\u202eevil", "\\u202eevil"),
    ("lone \udc80", "lone \\udc80"),
])
def test_control_characters_are_escaped(text, written):
    assert logs.escape(text) == written


def test_the_message_is_escaped_and_the_traceback_is_not():
    formatter = logs.EscapingFormatter(logs.FORMAT)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord("switchctl.x", logging.ERROR, __file__, 1, "user %s",
                                   ("a\nb",), exc_info=sys.exc_info())
    text = formatter.format(record)
    first, *rest = text.splitlines()
    assert first.endswith("switchctl.x: user a\\nb")
    assert rest[0] == "Traceback (most recent call last):" and rest[-1] == "RuntimeError: boom"


def test_one_line_joins_lines():
    assert logs.one_line('failed: refused\n\tIs the server running?\n') == \
        "failed: refused Is the server running?"


def served_log(process):
    """Everything ``switchctl serve`` logged after it listened, once it has stopped."""
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    return process.stderr.read()


@pytest.fixture
def debug_office(tmp_path):
    """The demo office created at DEBUG, and its secrets: ``(data, passwords, log)``."""
    init = switchctl(tmp_path, "init", "--demo", SWITCHCTL_LOG_LEVEL="DEBUG")
    assert init.returncode == 0, init.stderr
    return tmp_path, demo_passwords(init.stdout), init.stderr


def test_no_secret_reaches_the_log_at_debug(debug_office):
    data, passwords, init_log = debug_office
    account = switchctl(data, "account", "add", "boss", "--role", "admin", "--password",
                        "Boss-Secret-1", SWITCHCTL_LOG_LEVEL="DEBUG")
    passwd = switchctl(data, "extension", "passwd", "101", "--password", "New-Secret-101",
                       SWITCHCTL_LOG_LEVEL="DEBUG")
    assert account.returncode == 0 and passwd.returncode == 0
    stored = sqlite3.connect(data / "switchctl.sqlite3")
    hashes = [row[0] for row in stored.execute("SELECT sip_ha1 FROM extension")]
    hashes += [row[0] for row in stored.execute("SELECT voicemail_pin_hash FROM extension")]
    hashes += [row[0] for row in stored.execute("SELECT password_hash FROM portal_account")]
    hashes += [sip_ha1(n, "pbx.local", p) for n, p in passwords.items()]
    cli_log = init_log + account.stderr + passwd.stderr
    secrets = hashes + list(passwords.values()) + ["Boss-Secret-1", "New-Secret-101"]
    assert [secret for secret in secrets if secret in cli_log] == []


def test_serving_at_debug_logs_no_hash_password_or_credential(debug_office):
    from tests.clients.portal import log_in_http

    data, passwords, _ = debug_office
    http, switch = f"127.0.0.1:{free_tcp_port()}", f"127.0.0.1:{free_tcp_port()}"
    assert switchctl(data, "portal", "enable").returncode == 0
    process = start_serve(data, http, SWITCHCTL_SWITCH_HTTP=switch, SWITCHCTL_LOG_LEVEL="DEBUG",
                          SWITCHCTL_ESL=f"127.0.0.1:{free_tcp_port()}",
                          SWITCHCTL_ESL_PASSWORD="Esl-Secret-9",
                          SWITCHCTL_HTTP_CREDENTIALS="fs:Http-Secret-7")
    try:
        body = xml_curl_body("1a_directory_sip_auth_REGISTER_1000", user="102",
                             domain="pbx.local", key_value="pbx.local", sip_auth_username="102")
        answer = requests.post(f"http://{switch}/xml_curl", data=body, headers=FORM, timeout=5,
                               auth=("fs", "Http-Secret-7"))
        ha1 = sip_ha1("102", "pbx.local", passwords["102"])
        assert ha1 in answer.text
        session = requests.Session()
        log_in_http(session, f"http://{http}", "102", passwords["102"])
        assert session.get(f"http://{http}/extensions", timeout=5).status_code == 200
        cookies = [cookie.value for cookie in session.cookies]
    finally:
        log = served_log(process)
    secrets = [ha1, passwords["102"], "Esl-Secret-9", "Http-Secret-7", *cookies]
    assert [secret for secret in secrets if secret in log] == []


def test_a_newline_from_the_switch_cannot_forge_a_log_line(tmp_path):
    assert switchctl(tmp_path, "init").returncode == 0
    http, switch = f"127.0.0.1:{free_tcp_port()}", f"127.0.0.1:{free_tcp_port()}"
    process = start_serve(tmp_path, http, SWITCHCTL_SWITCH_HTTP=switch,
                          SWITCHCTL_ESL=f"127.0.0.1:{free_tcp_port()}")
    forged = "2099-01-01 00:00:00,000 ERROR switchctl: forged"
    try:
        body = xml_curl_body("1a_directory_sip_auth_REGISTER_1000", user=f"777\n{forged}",
                             domain="pbx.local", key_value="pbx.local")
        requests.post(f"http://{switch}/xml_curl", data=body, headers=FORM, timeout=5)
        requests.post(f"http://{switch}/cdr", params={"uuid": f"u1\r\n{forged}\x1b[2K"},
                      data=b"not a cdr", timeout=5)
    finally:
        log = served_log(process)
    lines = log.splitlines()
    assert not [line for line in lines if "forged" in line and line.startswith("2099")]
    assert any(f"no user 777\\n{forged}@pbx.local" in line for line in lines), log
    assert any(f"cdr u1\\r\\n{forged}\\x1b[2K: refused" in line for line in lines), log
    assert all(LOG_LINE.match(line) for line in lines), log

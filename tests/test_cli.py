import datetime
import http.server
import json
import sqlite3
import threading
import types

import pytest

from switchctl.db import open_database
from switchctl.models import CallRecord, Domain, Extension
from switchctl.passwords import sip_ha1
from tests.clients.cli import free_tcp_port
from tests.clients.cli import switchctl_here as switchctl


@pytest.fixture
def data(tmp_path):
    result = switchctl(tmp_path, "init")
    assert result.returncode == 0, result.stderr
    return tmp_path


def ok(result):
    assert result.returncode == 0, result.stderr
    return result.stdout


def refused(result, code=1):
    assert result.returncode == code
    lines = result.stderr.strip().splitlines()
    assert len(lines) >= 1 and lines[-1].startswith("switchctl: error: ")
    assert "Traceback" not in result.stderr
    return lines[-1]


def test_init_is_idempotent_and_demo_prints_passwords_once(tmp_path):
    first = ok(switchctl(tmp_path, "init", "--demo"))
    assert "database created" in first and first.count("demo extension") == 5
    again = ok(switchctl(tmp_path, "init", "--demo"))
    assert "up to date" in again and "demo extension" not in again


def test_add_list_remove(data):
    out = ok(switchctl(data, "extension", "add", "201", "--name", "Ann Lee", "--department",
                       "Ops", "--email", "ann@example.com"))
    generated = out.split("password ")[1].strip()
    assert len(generated) >= 16
    listing = ok(switchctl(data, "extension", "list"))
    assert "201\tAnn Lee\tOps\tann@example.com" in listing
    row = sqlite3.connect(data / "switchctl.sqlite3").execute(
        "SELECT sip_ha1 FROM extension WHERE number='201'").fetchone()
    assert row == (sip_ha1("201", "pbx.local", generated),)
    assert generated not in (data / "switchctl.sqlite3").read_bytes().decode("latin-1")
    ok(switchctl(data, "extension", "remove", "201"))
    assert "201" not in ok(switchctl(data, "extension", "list"))


@pytest.mark.parametrize(("args", "message"), [
    (("extension", "add", "12a", "--name", "X"), "2 to 8 digits"),
    (("extension", "add", "901", "--name", "X"), "outbound prefix 9"),
    (("extension", "add", "201", "--name", "X", "--password", "short"), "at least 8"),
    (("extension", "add", "201", "--name", "X", "--email", "nope"), "not an address"),
    (("extension", "add", "201", "--name", "${x}"), "name"),
    (("extension", "remove", "777"), "does not exist"),
    (("extension", "import", "/no/such/file.csv"), "No such file"),
    (("extension", "caller-id", "777", "123"), "does not exist"),
])
def test_bad_input_is_one_line_and_non_zero(data, args, message):
    assert message in refused(switchctl(data, *args))


@pytest.mark.parametrize("args", [(), ("bogus",), ("extension",), ("extension", "add", "201")])
def test_bad_arguments_are_one_line_with_exit_2(data, args):
    line = refused(switchctl(data, *args), code=2)
    assert "--help" in line
    assert "usage:" not in switchctl(data, *args).stderr


def test_duplicate_extension_is_refused(data):
    ok(switchctl(data, "extension", "add", "201", "--name", "A"))
    assert "already exists" in refused(switchctl(data, "extension", "add", "201", "--name", "B"))


def test_import_thousands_of_rows(data, tmp_path):
    rows = [f"{n},User {n},Secret{n:05d}x,Dept {n % 7},u{n}@example.com"
            for n in range(10000, 13000)]
    path = tmp_path / "staff.csv"
    path.write_text("number,name,password,department,email\n" + "\n".join(rows) + "\n")
    assert "imported 3000 extension(s)" in ok(switchctl(data, "extension", "import", str(path)))
    assert len(ok(switchctl(data, "extension", "list")).splitlines()) == 3000


def test_import_is_all_or_nothing_and_reports_every_bad_row(data, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("number,name,password\n301,Good,GoodPass1\n30x,Bad number,GoodPass1\n"
                    "302,Short,pw\n301,Again,GoodPass1\n303,Extra,GoodPass1,surplus\n")
    result = switchctl(data, "extension", "import", str(path))
    refused(result)
    assert f"{path}:3: number '30x'" in result.stderr
    assert f"{path}:4: password" in result.stderr
    assert f"{path}:5: number 301 repeats line 2" in result.stderr
    assert f"{path}:6: more fields" in result.stderr
    assert ok(switchctl(data, "extension", "list")) == ""


def test_import_header_must_name_the_columns(data, tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("num,name,password\n301,A,GoodPass1\n")
    assert "nothing imported" in refused(switchctl(data, "extension", "import", str(path)))


def test_portal_switch_and_caller_id(data):
    assert "user portal enabled" in ok(switchctl(data, "portal", "enable"))
    assert "user portal disabled" in ok(switchctl(data, "portal", "disable"))
    ok(switchctl(data, "extension", "add", "201", "--name", "A"))
    assert "+8610" in ok(switchctl(data, "extension", "caller-id", "201", "+861012345678"))
    assert "digits" in refused(switchctl(data, "extension", "caller-id", "201", "12ab"))


def test_portal_access_per_extension_is_all_or_nothing(data):
    ok(switchctl(data, "extension", "add", "201", "--name", "A"))
    ok(switchctl(data, "extension", "add", "202", "--name", "B"))
    assert "no such extension: 299" in refused(switchctl(data, "portal", "enable", "201", "299"))
    out = ok(switchctl(data, "portal", "enable", "201", "202"))
    assert "enabled for 201, 202" in out and "off for the domain" in out
    ok(switchctl(data, "portal", "disable", "202"))
    with open_database(f"sqlite:///{data / 'switchctl.sqlite3'}").connection_context():
        assert dict(Extension.select(Extension.number, Extension.portal_enabled).tuples()) == \
            {"201": True, "202": False}


def test_an_admin_account_gets_a_generated_password_that_logs_in(data):
    from switchctl.services.logins import authenticate

    assert ok(switchctl(data, "account", "list")) == \
        "no accounts (add one: switchctl account add NAME --role admin)\n"
    out = ok(switchctl(data, "account", "add", "boss", "--role", "admin"))
    password = out.split("password ", 1)[1].strip()
    assert "already exists" in refused(switchctl(data, "account", "add", "boss", "--role",
                                                 "operator"))
    assert "starts with a letter" in refused(switchctl(data, "account", "add", "101",
                                                       "--role", "admin"))
    with open_database(f"sqlite:///{data / 'switchctl.sqlite3'}").connection_context():
        assert authenticate("key", "pbx.local", "boss", password).role == "admin"


def test_commands_before_init_say_what_to_do(tmp_path):
    assert "switchctl init" in refused(switchctl(tmp_path, "extension", "list"))


def test_bad_configuration_is_one_line(tmp_path):
    assert "HOST:PORT" in refused(switchctl(tmp_path, "init", SWITCHCTL_HTTP="nonsense"))


def test_calls_search_from_the_command_line(data):
    ok(switchctl(data, "extension", "add", "104", "--name", "A"))
    ok(switchctl(data, "extension", "add", "107", "--name", "B"))
    db = open_database(f"sqlite:///{data / 'switchctl.sqlite3'}")
    domain = Domain.get()
    a, b = Extension.get(Extension.number == "104"), Extension.get(Extension.number == "107")
    at = datetime.datetime(2018, 3, 14, 9, 30)
    CallRecord.create(domain=domain, uuid="u1", direction="internal", caller_number="104",
                      callee_number="107", caller_extension=a, callee_extension=b, start=at,
                      end=at, billsec=42, disposition="ANSWERED")
    CallRecord.create(domain=domain, uuid="u2", direction="outbound", caller_number="104",
                      callee_number="85337106", caller_extension=a, start=at.replace(day=15),
                      end=at.replace(day=15), disposition="BUSY")
    db.close()
    lines = ok(switchctl(data, "calls", "--extension", "107", "--from", "2018-03-14",
                         "--to", "2018-03-14", "--json")).splitlines()
    assert [json.loads(line)["uuid"] for line in lines] == ["u1"]
    assert ok(switchctl(data, "calls", "--type", "outbound")).split("\t")[3] == "85337106"
    assert "is not a date" in refused(switchctl(data, "calls", "--from", "14/03/2018"), code=2)
    assert "before the start" in refused(switchctl(data, "calls", "--from", "2018-03-15",
                                                   "--to", "2018-03-14"))


def test_a_csv_that_is_not_utf8_is_one_line(data, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("number,name,password\n301,Jos\xe9,GoodPass1\n".encode("latin-1"))
    assert "not UTF-8" in refused(switchctl(data, "extension", "import", str(path)))


def one_line(result, code=1):
    """The refusal, once it is the whole of standard error."""
    assert result.stderr.count("\n") == 1, result.stderr
    return refused(result, code)


@pytest.mark.parametrize("page", ["99999999999999999999", "100001", "0", "-1", "\u0663",
                                  "9" * 5000])
def test_a_page_out_of_range_is_one_line(tmp_path, page):
    line = one_line(switchctl(tmp_path, "calls", "--page", page), code=2)
    assert "page number from 1 to 100000" in line and "per_page" not in line


@pytest.mark.parametrize("option", ["--extension", "--number"])
def test_an_empty_search_value_is_refused(tmp_path, option):
    assert "empty" in one_line(switchctl(tmp_path, "calls", option, ""), code=2)


def test_calls_to_the_last_day_there_is(data):
    assert ok(switchctl(data, "calls", "--from", "9999-12-31", "--to", "9999-12-31")) == ""


@pytest.mark.parametrize(("text", "reported"), [
    ("number,number,name,password\n301,302,A,GoodPass1\n",
     "1: header row: repeated columns ['number']"),
    (f"number,name,password\n301,A,GoodPass1\n302,{'x' * 131_073},GoodPass1\n",
     "3: not CSV that can be read: field larger than field limit (131072)"),
    ("number,name,password\n302,A\n", "2: fewer fields than header columns: no password"),
], ids=["repeated column", "overlong field", "missing field"])
def test_an_import_says_where_its_rows_cannot_be_read(data, tmp_path, text, reported):
    path = tmp_path / "staff.csv"
    path.write_text(text)
    result = switchctl(data, "extension", "import", str(path))
    assert "nothing imported" in refused(result)
    assert f"{path}:{reported}" in result.stderr
    assert ok(switchctl(data, "extension", "list")) == ""


@pytest.mark.parametrize(("name", "value", "message"), [
    ("SWITCHCTL_LOG_LEVEL", "LOUD", "log_level: expected one of DEBUG, INFO, WARNING, ERROR"),
    ("SWITCHCTL_PORTAL_PROXIES", "\u0663", "portal_proxies"),
    ("SWITCHCTL_HTTP", "127.0.0.1:\u00b2", "HOST:PORT"),
    ("SWITCHCTL_DATABASE", "postgresql://u@127.0.0.1:99999/pbx", "Port out of range"),
])
def test_a_bad_setting_is_one_line_at_load(tmp_path, name, value, message):
    assert message in one_line(switchctl(tmp_path, "extension", "list", **{name: value}))


def test_portal_without_arguments_names_only_the_state(tmp_path):
    line = one_line(switchctl(tmp_path, "portal"), code=2)
    assert "required: state" in line and "EXTENSION" not in line


def test_an_unreachable_postgresql_is_one_line(tmp_path):
    url = f"postgresql://pbx@127.0.0.1:{free_tcp_port()}/pbx"
    line = one_line(switchctl(tmp_path, "extension", "list", SWITCHCTL_DATABASE=url))
    assert "database error:" in line and "Connection refused" in line


@pytest.fixture
def fake_status():
    """A server answering /status with ``fake_status.body``: ``(address, holder)``."""
    holder = types.SimpleNamespace(body=b"{}")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(holder.body)))
            self.end_headers()
            self.wfile.write(holder.body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}", holder
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("body", [
    b"{}", b"[]", b"null", b'"connected"', b'{"switch": "connected"}',
    b'{"switch": "connected", "extensions": []}',
    b'{"switch": "connected", "extensions": {"101": {"state": "idle"}}}',
    b'{"switch": 1, "extensions": {}}',
    b'{"switch": "offline", "extensions": {}, "offline_since": 5}',
])
def test_status_of_the_wrong_shape_is_one_line(tmp_path, fake_status, body):
    address, holder = fake_status
    holder.body = body
    line = one_line(switchctl(tmp_path, "status", SWITCHCTL_HTTP=address,
                              SWITCHCTL_SWITCH_HTTP=""))
    assert "not switchctl's status" in line


def test_status_of_the_right_shape_is_shown(tmp_path, fake_status):
    address, holder = fake_status
    holder.body = b'{"switch": "connected", "extensions": {"101": "idle"}, "offline_since": null}'
    shown = ok(switchctl(tmp_path, "status", SWITCHCTL_HTTP=address, SWITCHCTL_SWITCH_HTTP=""))
    assert shown.splitlines() == ["switch: connected", "101\tidle"]


def test_status_says_when_the_features_are_still_catching_up(tmp_path, fake_status):
    address, holder = fake_status
    holder.body = (b'{"switch": "connected", "extensions": {"101": "idle"}, '
                   b'"offline_since": null, "resynchronised": false}')
    shown = ok(switchctl(tmp_path, "status", SWITCHCTL_HTTP=address, SWITCHCTL_SWITCH_HTTP=""))
    assert shown.splitlines() == [
        "switch: connected (still reading the parked calls and queue agents)", "101\tidle"]

"""Records FreeSWITCH could not post come back from its err-log-dir (xml_cdr.spool), as
the files mod_xml_cdr 1.10.12 writes: ``a_<uuid>.cdr.xml`` holding the post's body
without ``cdr=`` (raw XML with encode=textxml, %-encoded or base64 otherwise)."""

import logging
import os
import time

import gevent
import pytest

from switchctl import config as config_module
from switchctl.models import CallRecord
from switchctl.xml_cdr import spool
from tests.builders.captures import payload
from tests.clients.cli import switchctl_here as switchctl
from tests.builders.database import drop_table

pytestmark = pytest.mark.both_databases

# capture name -> the call's uuid
CAPTURES = {
    "2a_answered_encode_true_a_leg": "3f797751-8615-42f0-b800-3d3021009ef6",
    "2e_unregistered_encode_base64_a_leg": "f87e7802-7c07-4155-98c5-28dfe1685603",
    "2f_unregistered_encode_textxml_a_leg": "c5c16f78-8d86-4888-bc96-2741a25d47ff",
}
B_LEG = "2a_answered_encode_true_b_leg"


def file_content(name):
    """What FreeSWITCH writes to err-log-dir for the post captured as ``name``."""
    body = payload(f"xml_cdr/{name}.body.txt")
    return body[len(b"cdr="):] if body.startswith(b"cdr=") else body


def spooled(folder, name, content=None, age=3600):
    path = folder / f"a_{name}.cdr.xml"
    path.write_bytes(file_content(name) if content is None else content)
    os.utime(path, (time.time() - age, time.time() - age))
    return path


def names(folder):
    return sorted(p.name for p in folder.iterdir() if p.is_file())


@pytest.fixture
def folder(tmp_path, capture_domain):
    path = tmp_path / "xml_cdr"
    path.mkdir()
    return path


def test_every_encoding_is_stored_once_and_moved_to_imported(folder):
    for name in (*CAPTURES, B_LEG):
        spooled(folder, name)
    tally = spool.import_folder(folder, "127.0.0.1")
    assert (tally.imported, tally.refused, tally.left) == (4, 0, 0)
    assert names(folder) == []
    assert names(folder / "imported") == sorted(f"a_{n}.cdr.xml" for n in (*CAPTURES, B_LEG))
    assert {r.uuid for r in CallRecord.select()} == set(CAPTURES.values())


def test_a_record_already_stored_is_not_stored_again(folder):
    name = "2f_unregistered_encode_textxml_a_leg"
    spooled(folder, name)
    spool.import_folder(folder, "127.0.0.1")
    (folder / "imported" / f"a_{name}.cdr.xml").rename(folder / f"a_{name}.cdr.xml")
    assert spool.import_folder(folder, "127.0.0.1").imported == 1
    assert CallRecord.select().count() == 1


def test_a_file_that_is_no_record_is_refused_with_the_reason_logged(folder, caplog):
    caplog.set_level(logging.INFO)
    spooled(folder, "junk", b"<html>no cdr</html>")
    spooled(folder, "huge", b"<" + b"x" * spool.MAX_BODY)
    tally = spool.import_folder(folder, "127.0.0.1")
    assert (tally.imported, tally.refused, tally.left) == (0, 2, 0)
    assert names(folder / "refused") == ["a_huge.cdr.xml", "a_junk.cdr.xml"]
    reasons = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert any("a_junk.cdr.xml" in line and "not a FreeSWITCH CDR" in line
               for line in reasons), reasons
    assert any("larger than" in line for line in reasons), reasons


def test_a_file_being_written_is_left_for_the_next_run(folder):
    name = "2f_unregistered_encode_textxml_a_leg"
    whole = file_content(name)
    spooled(folder, name, whole[:len(whole) // 2], age=0)  # FreeSWITCH is still writing
    assert spool.import_folder(folder, "127.0.0.1").left == 1
    spooled(folder, name, whole, age=0)
    assert spool.import_folder(folder, "127.0.0.1").imported == 1


def test_with_the_database_away_every_file_stays(folder, db):
    for name in CAPTURES:
        spooled(folder, name)
    drop_table(db, "call_record")
    tally = spool.import_folder(folder, "127.0.0.1")
    assert (tally.imported, tally.refused, tally.left) == (0, 0, 3)
    assert "database error" in tally.why_left
    assert len(names(folder)) == 3


def test_a_record_of_no_domain_here_stays(db, tmp_path):
    folder = tmp_path / "xml_cdr"
    folder.mkdir()
    spooled(folder, "2f_unregistered_encode_textxml_a_leg")
    tally = spool.import_folder(folder, "elsewhere.example")
    assert tally.left == 1 and "neither" in tally.why_left
    assert len(names(folder)) == 1


def test_only_record_files_are_read(folder, tmp_path):
    secret = tmp_path / "secret.cdr.xml"
    secret.write_bytes(file_content("2f_unregistered_encode_textxml_a_leg"))
    (folder / "a_link.cdr.xml").symlink_to(secret)
    (folder / "notes.txt").write_text("not a record")
    (folder / "2026-01-01-00-00-00").mkdir()
    tally = spool.import_folder(folder, "127.0.0.1")
    assert (tally.imported, tally.refused, tally.left) == (0, 0, 0)
    assert sorted(p.name for p in folder.iterdir()) == [
        "2026-01-01-00-00-00", "a_link.cdr.xml", "notes.txt"]


def test_follow_imports_at_once_then_what_arrives_later(folder, caplog):
    caplog.set_level(logging.INFO)
    first, later = list(CAPTURES)[:2]
    spooled(folder, first)
    runner = gevent.spawn(spool.follow, folder, "127.0.0.1", interval=0.05)
    try:
        wait_until(lambda: not names(folder))
        spooled(folder, later)
        wait_until(lambda: not names(folder))
    finally:
        runner.kill()
    assert CallRecord.select().count() == 2
    assert any("1 imported, 0 refused, 0 left" in r.getMessage() for r in caplog.records)


def test_follow_says_once_that_it_cannot_use_the_folder(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    missing = tmp_path / "not-yet"
    runner = gevent.spawn(spool.follow, missing, "127.0.0.1", interval=0.01)

    def said(words):
        return [r.getMessage() for r in caplog.records if words in r.getMessage()]

    try:
        wait_until(lambda: said("is not a folder"))
        gevent.sleep(0.1)  # some ten runs more, each finding no folder
        missing.mkdir()
        wait_until(lambda: said("importing"))
    finally:
        runner.kill()
    assert len(said("is not a folder")) == 1


def wait_until(condition, timeout=5):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        gevent.sleep(0.01)


def test_the_spool_setting_is_off_unless_named():
    assert config_module.load({}).cdr_spool is None
    named = config_module.load({"SWITCHCTL_CDR_SPOOL": "~/xml_cdr"}).cdr_spool
    assert named == config_module.Path("~/xml_cdr").expanduser()


def test_the_command_imports_a_folder_and_says_what_it_did(folder, config, tmp_path):
    for name in CAPTURES:
        spooled(folder, name)
    spooled(folder, "junk", b"not a record")
    env = {"SWITCHCTL_DATABASE": config.database, "SWITCHCTL_DOMAIN": "127.0.0.1"}
    result = switchctl(tmp_path, "cdr", "import", str(folder), **env)
    assert (result.returncode, result.stdout) == (0, "3 imported, 1 refused, 0 left\n")
    assert "a_junk.cdr.xml: refused" in result.stderr
    assert CallRecord.select().count() == 3
    again = switchctl(tmp_path, "cdr", "import", str(folder), **env)
    assert (again.returncode, again.stdout) == (0, "0 imported, 0 refused, 0 left\n")


def test_the_command_refuses_a_folder_it_cannot_use_in_one_line(folder, config, tmp_path):
    env = {"SWITCHCTL_DATABASE": config.database, "SWITCHCTL_DOMAIN": "127.0.0.1"}
    result = switchctl(tmp_path, "cdr", "import", str(tmp_path / "nowhere"), **env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"switchctl: error: {tmp_path / 'nowhere'} is not a folder"]

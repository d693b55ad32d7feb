"""``switchctl fax``: ops queue a fax from files on disk, read the log and each try, resend a
failed one, cancel a queued one, set fax numbers and settings (the real command, in this
process)."""

import io

from PIL import Image

from switchctl import config as config_module
from switchctl.db import open_database
from switchctl.models import FaxJob
from tests.clients.cli import switchctl_here as switchctl
from tests.test_wakeup import cli_ok, cli_refused


def png(path, size=(800, 1100)):
    image = Image.new("L", size, 255)
    image.paste(0, (100, 100, 700, 160))
    image.save(path, format="PNG")
    return str(path)


def jobs(data):
    db = open_database(config_module.load({"SWITCHCTL_DATA": str(data)}).database)
    with db.connection_context():
        return [(job.id, job.status, job.pages, job.destination) for job in
                FaxJob.select().order_by(FaxJob.id)]


def fail(data, job_id):
    db = open_database(config_module.load({"SWITCHCTL_DATA": str(data)}).database)
    with db.connection_context():
        FaxJob.update(status="failed", result_text="busy after 4 tries").where(
            FaxJob.id == job_id).execute()


def test_switchctl_fax_send_list_show_resend_and_cancel(tmp_path):
    data = tmp_path / "data"
    cli_ok(switchctl(data, "init", "--demo"))
    files = [png(tmp_path / "one.png"), png(tmp_path / "two.png", (1100, 800))]
    said = cli_ok(switchctl(data, "fax", "send", "101", "95550100", *files, "--cover",
                            "--subject", "Quote"))
    assert said == "fax 1 queued: 3 pages from 101 to 95550100\n"  # the cover and two
    assert jobs(data) == [(1, "queued", 3, "95550100")]
    with Image.open(data / "media" / "fax" / "sent" / next(
            p.name for p in (data / "media" / "fax" / "sent").glob("*.tif"))) as tiff:
        assert (tiff.n_frames, tiff.width) == (3, 1728)
    listing = cli_ok(switchctl(data, "fax", "list"))
    assert listing.startswith("1\t101\tsent\t") and "\t95550100\tqueued\t0/3 pages" in listing
    assert cli_ok(switchctl(data, "fax", "list", "--direction", "received")) == "no faxes\n"
    assert cli_ok(switchctl(data, "fax", "list", "--from", "2020-01-01", "--to",
                            "2020-01-02")) == "no faxes\n"
    shown = cli_ok(switchctl(data, "fax", "show", "1"))
    assert shown.startswith("fax 1: outgoing to 95550100, queued\npages\t0 of 3\n")
    assert "of extension 101 is not a failed or canceled fax" in cli_refused(
        switchctl(data, "fax", "resend", "1"), 1)
    fail(data, 1)
    assert cli_ok(switchctl(data, "fax", "resend", "1")) == "fax 1 queued again\n"
    assert jobs(data) == [(1, "queued", 3, "95550100")]
    done = switchctl(data, "fax", "cancel", "1")
    assert (done.returncode, done.stdout) == (0, "fax 1 canceled: it will not be sent\n")
    assert done.stderr == ""  # a one-off command's log: warnings and worse only
    assert jobs(data) == [(1, "canceled", 3, "95550100")]
    assert "fax 1 of extension 101 is not waiting to be sent" in cli_refused(
        switchctl(data, "fax", "cancel", "1"), 1)
    assert "no fax 9" in cli_refused(switchctl(data, "fax", "cancel", "9"), 1)
    assert "no fax 9" in cli_refused(switchctl(data, "fax", "show", "9"), 1)
    assert "not a fax id" in cli_refused(switchctl(data, "fax", "show", "one"), 2)
    assert "not a date" in cli_refused(switchctl(data, "fax", "list", "--from", "1 May"), 2)


def test_bad_faxes_are_refused_and_nothing_is_queued(tmp_path):
    data = tmp_path / "data"
    cli_ok(switchctl(data, "init", "--demo"))
    program = tmp_path / "invoice.pdf"
    program.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(200))
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    page = png(tmp_path / "page.png")
    for args, said in (
            (("101", "95550100", str(program)), "invoice.pdf"),
            (("101", "95550100", str(empty)), "empty.png is empty"),
            (("101", "95550100", str(tmp_path / "missing.png")), "cannot read"),
            (("101", "5550100", page), "not an outside number"),
            (("999", "95550100", page), "extension 999 does not exist"),
            (("101", "95550100", page, "--to", "Dr. Wu"),
             "--to, --subject and --note go on a cover page: add --cover"),
            (("101", "95550100", page, "--cover", "--to", "W" * 81),
             "the cover page's recipient and subject may have at most 80 characters each"),
            (("101", "95550100", page, "--cover", "--note", "n" * 2001),
             "the note may have at most 2000 characters")):
        assert said in cli_refused(switchctl(data, "fax", "send", *args), 1)
    done = switchctl(data, "fax", "list", "--from", "2026-12-05", "--to", "2026-12-01")
    assert "the end date is before the start date" in cli_refused(done, 1)
    assert jobs(data) == []
    assert not list((data / "media").rglob("*.tif"))


def test_switchctl_fax_numbers_and_settings(tmp_path):
    data = tmp_path / "data"
    cli_ok(switchctl(data, "init", "--demo"))
    assert cli_ok(switchctl(data, "fax", "numbers")) == "no fax numbers\n"
    assert cli_ok(switchctl(data, "fax", "number-add", "5550100", "102")) == \
        "5550100 answers as the fax of 102\n"
    assert "already a fax number" in cli_refused(
        switchctl(data, "fax", "number-add", "5550100", "101"), 1)
    assert "number 101 is an extension" in cli_refused(
        switchctl(data, "fax", "number-add", "101", "102"), 1)
    assert cli_ok(switchctl(data, "fax", "numbers")) == "5550100\t102\n"
    page = png(tmp_path / "page.png")
    assert cli_ok(switchctl(data, "fax", "send", "101", "5550100", page)) == \
        "fax 1 delivered: 1 page from 101 to fax number 5550100\n"
    assert "\t102\treceived\t" in cli_ok(switchctl(data, "fax", "list", "--extension", "102"))
    assert cli_ok(switchctl(data, "fax", "number-remove", "5550100")) == \
        "5550100 is no longer a fax number\n"
    assert "is not a fax number" in cli_refused(
        switchctl(data, "fax", "number-remove", "5550100"), 1)
    assert cli_ok(switchctl(data, "fax", "set", "fax_retries", "5")) == "fax_retries = 5\n"
    assert cli_ok(switchctl(data, "fax", "set", "fax_header", "ACME Sales")) == \
        "fax_header = ACME Sales\n"
    assert "whole number from 0 to 10" in cli_refused(
        switchctl(data, "fax", "set", "fax_retries", "11"), 1)
    assert "one of fine, standard" in cli_refused(
        switchctl(data, "fax", "set", "fax_resolution", "ultra"), 1)
    for key, value, said in (
            ("fax_ident", "it's me", "fax_ident is at most 20 digits, spaces and +"),
            ("fax_ident", "1" * 21, "fax_ident is at most 20 digits, spaces and +"),
            ("fax_header", 'ACME "Corp"', "without quotes"),
            ("fax_header", "ACME 电话", "plain ASCII"),
            ("fax_header", "A" * 51, "at most 50 characters")):
        assert said in cli_refused(switchctl(data, "fax", "set", key, value), 1), (key, value)
    assert cli_ok(switchctl(data, "fax", "set", "fax_ident", "+33 1 2345 6789")) == \
        "fax_ident = +33 1 2345 6789\n"
    shown = cli_ok(switchctl(data, "fax", "settings"))
    assert "fax_retries\t5\t" in shown and "fax_header\tACME Sales\t" in shown
    assert "fax_paper\tA4\t(A4 or Letter)" in shown
    assert cli_ok(switchctl(data, "fax", "set", "fax_retries", "")) == "fax_retries = 3\n"


def test_a_page_is_drawn_from_the_file_not_its_name(tmp_path):
    """A JPEG named .png is faxed as what it is."""
    data = tmp_path / "data"
    cli_ok(switchctl(data, "init", "--demo"))
    out = io.BytesIO()
    Image.new("RGB", (600, 800), "white").save(out, format="JPEG")
    (tmp_path / "photo.png").write_bytes(out.getvalue())
    assert "1 page from 101" in cli_ok(
        switchctl(data, "fax", "send", "101", "95550100", str(tmp_path / "photo.png")))

"""Virtual fax on the real switch: a two-page fax queued for extension 101 (``switchctl fax
send``, the queue the portal fills) is sent by switchctl serve's fax sender through the
gateway ``trunk``, which this tier points at the switch's own external profile (a call back
into itself over SIP, as FreeSWITCH's own fax tests do); the call arrives from the trunk at
5550100, 102's fax number, answered by rxfax. Both ends' results come back as events: the
sent job reads sent with two pages, and 102's log has the received fax as a two-page PDF."""

import io
import time

import pytest
from PIL import Image

from switchctl.services.fax_documents import Upload, fax_document
from tests.clients.cli import switchctl

pytestmark = pytest.mark.integration
FAX_NUMBER = "5550100"
SENT = "SELECT status, pages, pages_transferred, result_code, result_text, remote_station " \
       "FROM fax_job WHERE direction = 'sent'"
RECEIVED = "SELECT status, pages, pages_transferred, fax_number, pdf_path, result_text " \
           "FROM fax_job WHERE direction = 'received'"
TRIES = "SELECT result, detail FROM fax_attempt ORDER BY id"


@pytest.fixture(scope="module", autouse=True)
def _own_switch(freeswitch):
    if freeswitch is None:
        pytest.skip("the fax test needs the session's own FreeSWITCH (its trunk pointed at "
                    "itself), not SWITCHCTL_TEST_FS_ESL")


def page(path, words_at):
    image = Image.new("L", (1700, 2200), 255)
    for top in words_at:  # black bars a fax must carry across
        image.paste(0, (150, top, 1550, top + 40))
    image.save(path, format="PNG", dpi=(200, 200))
    return path


def dark_rows(tiff, index):
    """How many (sampled) rows of page ``index`` are mostly black: a bar crossed the line."""
    with Image.open(io.BytesIO(tiff)) as pages:
        pages.seek(index)
        sheet = pages.convert("L")
    return sum(1 for y in range(0, sheet.height, 4)
               if sum(sheet.getpixel((x, y)) < 128 for x in range(0, sheet.width, 16))
               > sheet.width // 32)


def cli(served, *args):
    done = switchctl(served.data, *args, SWITCHCTL_MEDIA=str(served.media),
                     SWITCHCTL_SWITCH_MEDIA=served.switch_media)
    assert done.returncode == 0, done.stderr
    return done.stdout


def until(served, sql, ready, seconds):
    deadline = time.monotonic() + seconds
    while True:
        rows = served.rows(sql)
        if ready(rows) or time.monotonic() > deadline:
            return rows
        time.sleep(0.5)


def test_a_two_page_fax_goes_out_through_the_trunk_and_comes_back_to_a_fax_number(
        served, tmp_path, freeswitch):
    cli(served, "fax", "number-add", FAX_NUMBER, "102")
    files = [page(tmp_path / "one.png", (300, 900)), page(tmp_path / "two.png", (500, 1500))]
    said = cli(served, "fax", "send", "101", f"9{FAX_NUMBER}", *map(str, files))
    assert "2 pages from 101 to 95550100" in said
    sent = until(served, SENT, lambda rows: rows and rows[0][0] in ("sent", "failed"), 120)
    tries = served.rows(TRIES)
    assert sent == [("sent", 2, 2, 0, "OK", sent[0][5])], (sent, tries, freeswitch.log_lines())
    assert [result for result, _ in tries] == ["sent"]
    received = until(served, RECEIVED, bool, 30)
    assert [row[:4] for row in received] == [("received", 2, 2, FAX_NUMBER)], received
    pdf = (served.media / received[0][4]).read_bytes()
    drawn = fax_document([Upload("received.pdf", pdf)])  # Ghostscript reads it again
    assert drawn.pages == 2 and dark_rows(drawn.tiff, 0) >= 2  # the first page's bars came
    listed = cli(served, "fax", "list", "--extension", "102")
    assert "\t102\treceived\t" in listed and "\treceived\t2/2 pages\t" in listed


def test_a_fax_through_a_gateway_the_switch_does_not_have_fails_at_once(served, tmp_path):
    """No channel is made, so no hang-up: the originate's BACKGROUND_JOB (-ERR <cause>)
    decides the try, not the watchdog minutes later."""
    cli(served, "gateway", "add", "nowhere")
    cli(served, "route", "add", "88", "nowhere")  # the tier's switchctl is shared: taken back
    try:
        said = cli(served, "fax", "send", "101", "885550100",
                   str(page(tmp_path / "p.png", (300,))))
        job = said.split()[1]
        query = f"SELECT status, result_text, attempts FROM fax_job WHERE id = {int(job)}"
        row = until(served, query, lambda rows: rows and rows[0][0] == "failed", 20)
    finally:
        cli(served, "route", "remove", "88")
        cli(served, "gateway", "remove", "nowhere")
    assert row[0][0] == "failed" and row[0][1].startswith("cannot be called ("), row
    assert row[0][2] == 1

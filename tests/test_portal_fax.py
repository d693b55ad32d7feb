"""The fax pages (/fax/send, /fax) through the real app: an extension user queues a fax of
its files (refusals said, nothing queued), reads the log of its own faxes (searched by day
and direction), downloads their PDFs, cancels a queued one and resends a failed one (with
CSRF); another extension's fax ids find nothing, and no other role opens the pages."""

import datetime
import html
import io
import json
import re
import zoneinfo
from pathlib import Path

import pytest

from reportlab.pdfgen import canvas

from switchctl import pool, portal
from switchctl.models import Extension, FaxJob
from switchctl.services import call_records, fax, fax_numbers
from switchctl.services.domains import TIME_ZONE, set_setting
from switchctl.services.extensions import set_portal_access
from switchctl.services.logins import add_account
from tests.builders.fax import png_page
from tests.builders.zones import other_zone
from tests.clients.portal import ADMIN, EXTENSION, OPERATOR, csrf_token, page_error, signed_in

pytestmark = pytest.mark.usefixtures("quick_hashes")  # account hashes: not what is tested

DAY = datetime.datetime(2026, 11, 30, 9, 15)
PDF = b"%PDF-1.4 a fax\n"


def letter_pdf():
    out = io.BytesIO()
    drawing = canvas.Canvas(out)
    drawing.drawString(72, 720, "A letter")
    drawing.showPage()
    drawing.save()
    return out.getvalue()


LETTER = letter_pdf()


def files(*named):
    """The form's files field: ``(name, bytes)`` each, in order."""
    return [(io.BytesIO(data), name) for name, data in named]


def send_form(browser, number="95550100", uploads=None, **fields):
    uploads = (("page.png", png_page()),) if uploads is None else uploads
    token = csrf_token(browser.get("/fax/send").get_data(as_text=True))
    form = {"csrf_token": token, "number": number, "files": files(*uploads), **fields}
    return browser.post("/fax/send", data=form, content_type="multipart/form-data")


def nothing_queued(config):
    return FaxJob.select().count() == 0 and not list(config.media_folder.rglob("*.tif"))


def listed(text):
    return [int(n) for n in re.findall(r'<tr data-fax="(\d+)"', text)]


def test_a_png_sent_from_the_page_is_queued_with_its_tiff(app, config):
    browser = signed_in(app, *EXTENSION)
    answer = send_form(browser)
    assert answer.status_code == 302 and answer.location == "/fax"
    job = FaxJob.get()
    assert (job.status, job.direction, job.destination, job.pages) == (
        "queued", "sent", "95550100", 1)
    assert job.extension.number == "101"
    assert (config.media_folder / job.tiff_path).read_bytes()[:4] == b"II*\x00"
    page = browser.get("/fax").get_data(as_text=True)
    assert "Fax queued." in page and listed(page) == [job.id]
    assert 'data-status="queued"' in page and ">Queued<" in page and ">0/1<" in page


def test_a_fax_to_one_of_our_fax_numbers_is_delivered_at_once(app, office, config):
    fax_numbers.assign(Extension.get(Extension.number == "102"), "5550100")
    browser = signed_in(app, *EXTENSION)
    answer = send_form(browser, number="5550100")
    assert answer.status_code == 302
    page = browser.get("/fax").get_data(as_text=True)
    assert "Fax delivered to fax number 5550100." in page
    assert 'data-status="sent"' in page and "delivered to fax number 5550100" in page
    theirs = signed_in(app, "102", "Passw0rd102").get("/fax").get_data(as_text=True)
    assert 'data-direction="received"' in theirs and 'data-status="received"' in theirs


def test_several_files_in_order_and_a_cover_page(app, config):
    browser = signed_in(app, *EXTENSION)
    answer = send_form(browser, uploads=(("one.png", png_page()), ("two.png", png_page())),
                       cover="1", recipient="Dr. Wu", subject="Invoice", note="Two pages")
    assert answer.status_code == 302
    assert FaxJob.get().pages == 3  # the cover first


@pytest.mark.parametrize(("who", "number", "uploads", "said"), [
    ("101", "95550100", (("invoice.png", b"\x7fELF\x02\x01\x01" + bytes(64)),),
     "invoice.png is not a PDF, TIFF, PNG or JPEG file"),  # a renamed executable
    ("101", "95550100", (("empty.pdf", b""),), "empty.pdf is empty"),
    ("101", "95550100", (), "choose at least one file to fax"),
    ("101", "5550100", (("page.png", png_page()),),
     "5550100 is not an outside number: dial it with an outbound prefix first"),
    ("101", "9abc", (("page.png", png_page()),), "9abc is not a fax number"),
    ("103", "95550100", (("page.png", png_page()),),
     "extension 103 may not call outside numbers"),  # the lobby phone
])
def test_what_cannot_be_faxed_is_said_and_nothing_is_queued(app, office, config, who, number,
                                                            uploads, said):
    set_portal_access(office, ["103"], True)
    browser = signed_in(app, who, f"Passw0rd{who}")
    answer = send_form(browser, number=number, uploads=uploads)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 400 and said in page_error(text)
    assert "Traceback" not in text and f'value="{number}"' in text  # typed, kept
    assert nothing_queued(config)


def test_a_converter_that_runs_out_of_time_queues_nothing_and_says_so(
        app, config, monkeypatch, caplog):
    monkeypatch.setattr(pool, "CHILD_SECONDS", 0.05)  # the child process is stopped
    answer = send_form(signed_in(app, *EXTENSION))
    text = answer.get_data(as_text=True)
    assert answer.status_code == 503 and page_error(text) == (
        "The fax could not be made from these files just now. Try again, or send fewer pages.")
    assert 'value="95550100"' in text and nothing_queued(config)
    assert "took longer than 0.05 s" in caplog.text


def test_without_ghostscript_a_pdf_is_not_faxed_and_the_user_is_told(
        app, config, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # the converter finds no gs
    answer = send_form(signed_in(app, *EXTENSION), uploads=(("letter.pdf", LETTER),))
    assert answer.status_code == 503 and page_error(answer.get_data(as_text=True)) == (
        "PDF files cannot be faxed on this system now. Ask your administrator.")
    assert nothing_queued(config)


def test_a_cover_page_whose_words_do_not_fit_is_refused(app, config):
    answer = send_form(signed_in(app, *EXTENSION), cover="1", recipient="W" * 81)
    assert answer.status_code == 400 and html.unescape(page_error(answer.get_data(
        as_text=True))) == "the cover page's recipient and subject may have at most 80 " \
        "characters each"
    assert nothing_queued(config)


def test_a_file_over_the_domains_limit_and_a_request_over_the_pages_are_refused(
        app, office, config):
    fax.set_setting(office, "fax_max_megabytes", "1")
    browser = signed_in(app, *EXTENSION)
    big = b"\x89PNG\r\n\x1a\n" + bytes(1024 * 1024 + 10)
    answer = send_form(browser, uploads=(("scan.png", big),))
    assert answer.status_code == 400
    assert page_error(answer.get_data(as_text=True)) == "scan.png is larger than 1 MB"
    # Over what one request may carry (4 files of the largest size): refused before the view.
    answer = send_form(browser, uploads=[(f"scan{n}.png", big) for n in range(5)])
    text = answer.get_data(as_text=True)
    assert answer.status_code == 413 and "Traceback" not in text
    assert page_error(text) == ("The files are too large to send together: at most 4 MB in "
                                "one fax, 1 MB per file. Send fewer or smaller files.")
    assert 'id="fax-form"' in text
    assert nothing_queued(config)


def test_the_request_limit_is_raised_for_the_send_form_only(app):
    browser = signed_in(app, *EXTENSION)
    assert send_form(browser, uploads=(("page.png", png_page() + bytes(2 * 1024 * 1024)),)
                     ).status_code == 302  # over the portal's 1 MB: the fax form takes it
    token = csrf_token(browser.get("/fax").get_data(as_text=True))
    answer = browser.post(f"/fax/{FaxJob.get().id}/resend",
                          data={"csrf_token": token, "x": "y" * (2 * 1024 * 1024)})
    assert answer.status_code == 413  # any other form: the portal's limit


def test_the_send_page_allows_its_previews_and_nothing_more(app):
    browser = signed_in(app, *EXTENSION)
    page = browser.get("/fax/send")
    assert page.headers["Content-Security-Policy"] == (
        "default-src 'self'; img-src 'self' data: blob:; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'self'")
    text = page.get_data(as_text=True)
    assert 'type="file" name="files" id="fax-files" multiple' in text
    assert '<script src="/fax/fax.js"></script>' in text and "<script>" not in text
    script = browser.get("/fax/fax.js")
    assert script.mimetype == "text/javascript" and b"DataTransfer" in script.data
    assert "blob:" not in browser.get("/fax").headers["Content-Security-Policy"]


# The log.

def logged(office, number, days=0, status="sent", direction="sent", pdf=None, minutes=0,
           **fields):
    extension = Extension.get(Extension.number == number)
    values = {"result_text": "OK", "attempts": 1,
              "created": DAY + datetime.timedelta(days=days, minutes=minutes), **fields}
    return FaxJob.create(
        domain=office, extension=extension, status=status, direction=direction,
        destination="95550100" if direction == "sent" else "", pages=2, pages_transferred=2,
        original_path="", pdf_path=pdf or "", **values)


@pytest.fixture
def faxes(office, config):
    """101: a sent fax (with its PDF), a received one a day later, a failed one two days
    later; 102: a sent fax (with its PDF)."""
    folder = config.media_folder / "fax" / "sent"
    folder.mkdir(parents=True)
    for name in ("mine", "theirs"):
        (folder / f"{name}.pdf").write_bytes(PDF)
    return {"sent": logged(office, "101", pdf="fax/sent/mine.pdf"),
            "received": logged(office, "101", 1, status="received", direction="received",
                               remote_number="01065550100"),
            "failed": logged(office, "101", 2, status="failed", attempts=4,
                             result_text="busy (USER_BUSY) after 4 tries"),
            "theirs": logged(office, "102", pdf="fax/sent/theirs.pdf")}


def test_the_log_shows_the_users_own_faxes_newest_first(app, faxes):
    text = signed_in(app, *EXTENSION).get("/fax").get_data(as_text=True)
    assert listed(text) == [faxes["failed"].id, faxes["received"].id, faxes["sent"].id]
    row = re.search(rf'<tr data-fax="{faxes["failed"].id}".*?</tr>', text, re.S).group(0)
    for cell in ("2026-12-02 09:15", ">Outgoing<", ">95550100<", ">Failed<", ">2/2<",
                 "busy (USER_BUSY) after 4 tries", '<td class="tries">4<'):
        assert cell in row, cell
    assert f'action="/fax/{faxes["failed"].id}/resend"' in row
    received = re.search(rf'<tr data-fax="{faxes["received"].id}".*?</tr>', text, re.S).group(0)
    assert ">Incoming<" in received and ">Received<" in received and "01065550100" in received
    assert "resend" not in received
    assert f'href="/fax/{faxes["sent"].id}/pdf"' in text
    assert text.count("/resend") == 1 and text.count("/pdf") == 1
    other = signed_in(app, "102", "Passw0rd102").get("/fax").get_data(as_text=True)
    assert listed(other) == [faxes["theirs"].id]


def test_the_log_is_paged_newest_first(app, office):
    made = [logged(office, "101", minutes=n).id for n in range(fax.LOG_PAGE + 1)]
    browser = signed_in(app, *EXTENSION)
    text = browser.get("/fax?direction=sent").get_data(as_text=True)
    assert listed(text) == made[::-1][:fax.LOG_PAGE] and 'rel="next"' in text
    assert "/fax?direction=sent&amp;page=2" in text  # the search is kept
    text = browser.get("/fax?direction=sent&page=2").get_data(as_text=True)
    assert listed(text) == [made[0]] and 'rel="prev"' in text and 'rel="next"' not in text


def test_the_days_and_times_are_the_domains_time_zone(app, office):
    """Faxes are stored on this machine's clock; a domain in another zone searches and reads
    its own wall-clock days."""
    name = other_zone()
    set_setting(office, TIME_ZONE, name)
    zone = zoneinfo.ZoneInfo(name)
    after, before = (logged(office, "101", created=call_records.stored_time(wall, zone)).id
                     for wall in (datetime.datetime(2026, 3, 20, 0, 30),
                                  datetime.datetime(2026, 3, 19, 23, 30)))
    browser = signed_in(app, *EXTENSION)
    text = browser.get("/fax?start=2026-03-20&end=2026-03-20").get_data(as_text=True)
    assert listed(text) == [after] and "2026-03-20 00:30" in text
    text = browser.get("/fax?start=2026-03-19&end=2026-03-19").get_data(as_text=True)
    assert listed(text) == [before] and "2026-03-19 23:30" in text


BUSY = fax.RESULTS["busy"].format(cause="USER_BUSY")
# What services/fax writes (its own forms) and how the Chinese log says it; the switch's
# own words too when they are common ones, else as they came.
RESULTS_SAID = [
    (fax.AGAIN.format(detail=BUSY, number=2, time="09:05"), "占线（USER_BUSY）；第 2 次尝试在 09:05"),
    (fax.LAST["more"].format(detail=fax.RESULTS["no_answer"].format(cause="NO_ANSWER"),
                             count=4), "无人接听（NO_ANSWER），共尝试 4 次"),
    (fax.LAST[1].format(detail=fax.RESULTS["transmission"].format(
        text="The call dropped prematurely", code=49)),
     "通话过早中断（代码 49），共尝试 1 次"),
    (fax.RESULTS["cannot_call"].format(cause="INVALID_GATEWAY"), "无法呼叫（INVALID_GATEWAY）"),
    (fax.RESULTS["canceled"].format(who="101"), "已由 101 取消"),
    (fax.RESULTS["lost"], "通话结束但没有结果（丢失）"),
    (fax.RESULTS["not_reached"].format(cause="NORMAL_TEMPORARY_FAILURE"),
     "呼叫失败（NORMAL_TEMPORARY_FAILURE）"),
    (fax.RESULTS["ok"], "成功"),
    (fax.RESULTS["delivered"].format(number="5550100"), "已送达传真号码 5550100"),
    ("The call dropped prematurely", "通话过早中断"),  # the switch's, a common one
    ("Polled sub-address not accepted", "Polled sub-address not accepted"),  # a rare one
]


def test_each_result_reads_in_the_pages_language_and_as_written_in_english(app, office):
    made = [logged(office, "101", minutes=n, result_text=text).id
            for n, (text, _) in enumerate(RESULTS_SAID)]
    english = signed_in(app, *EXTENSION).get("/fax").get_data(as_text=True)
    chinese = signed_in(app, *EXTENSION, language="zh-CN").get("/fax").get_data(as_text=True)
    for job, (text, said) in zip(made, RESULTS_SAID):
        for page, expected in ((english, text), (chinese, said)):
            row = re.search(rf'<tr data-fax="{job}".*?</tr>', page, re.S).group(0)
            cell = re.search(r'<td class="result">(.*?)</td>', row, re.S).group(1)
            assert html.unescape(cell) == expected


@pytest.mark.parametrize(("query", "shown"), [
    ("start=2026-12-01", ["failed", "received"]),
    ("end=2026-12-01", ["received", "sent"]),
    ("start=2026-12-01&end=2026-12-01", ["received"]),
    ("start=2026-11-30&end=2026-11-30&direction=sent", ["sent"]),
    ("direction=sent", ["failed", "sent"]),
    ("direction=received", ["received"]),
    ("start=2027-01-01", []),
])
def test_the_log_is_searched_by_day_and_direction(app, faxes, query, shown):
    answer = signed_in(app, *EXTENSION).get(f"/fax?{query}")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert listed(text) == [faxes[name].id for name in shown]
    if not shown:
        assert "No data" in text


@pytest.mark.parametrize(("query", "said"), [
    ("start=yesterday", "The date is not a date: write it as 2018-03-14."),
    ("end=2026-02-30", "The date is not a date: write it as 2018-03-14."),
    ("start=2026-12-02&end=2026-12-01", "The end date is before the start date."),
    ("direction=both", "Choose sent or received faxes from the list."),
])
def test_a_search_that_names_no_day_says_so(app, faxes, query, said):
    answer = signed_in(app, *EXTENSION).get(f"/fax?{query}")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 400 and page_error(text) == said and listed(text) == []


def test_the_pdf_of_an_own_fax_downloads_another_ones_is_not_found(app, config, faxes):
    browser = signed_in(app, *EXTENSION)
    answer = browser.get(f"/fax/{faxes['sent'].id}/pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.data == PDF
    assert answer.headers["Content-Disposition"] == \
        f"attachment; filename=fax-20261130-091500-{faxes['sent'].id}.pdf"
    for forged in (faxes["theirs"].id, faxes["received"].id, 999999):  # none: no PDF
        assert browser.get(f"/fax/{forged}/pdf").status_code == 404
    (config.media_folder / "fax" / "sent" / "mine.pdf").unlink()
    assert browser.get(f"/fax/{faxes['sent'].id}/pdf").status_code == 404  # gone


def test_the_pdf_downloads_with_the_data_folder_given_relative(app, config, faxes,
                                                               monkeypatch):
    """``switchctl serve`` on the default ``data`` folder: a relative media folder is the
    working folder's, not the portal package's."""
    monkeypatch.chdir(config.data.parent)
    relative = config.with_changes(data=Path(config.data.name), media=None)
    assert relative.media_folder == Path(config.data.name) / "media" == \
        config.media_folder.relative_to(config.data.parent)
    browser = signed_in(portal.create_app(relative), *EXTENSION)
    answer = browser.get(f"/fax/{faxes['sent'].id}/pdf")
    assert answer.status_code == 200 and answer.data == PDF


def test_a_pdf_path_out_of_the_media_folder_is_not_served(app, config, faxes):
    (config.media_folder.parent / "secret.pdf").write_bytes(b"%PDF- secret")
    FaxJob.update(pdf_path="../secret.pdf").where(FaxJob.id == faxes["sent"].id).execute()
    assert signed_in(app, *EXTENSION).get(f"/fax/{faxes['sent'].id}/pdf").status_code == 404


def test_a_failed_fax_is_resent_with_the_csrf_token_only(app, faxes):
    browser = signed_in(app, *EXTENSION)
    failed = faxes["failed"].id
    assert browser.post(f"/fax/{failed}/resend").status_code == 400
    assert browser.post(f"/fax/{failed}/resend", data={"csrf_token": "forged"}
                        ).status_code == 400
    assert FaxJob.get_by_id(failed).status == "failed"
    token = csrf_token(browser.get("/fax").get_data(as_text=True))
    answer = browser.post(f"/fax/{failed}/resend", data={"csrf_token": token})
    assert answer.status_code == 302 and answer.location == "/fax"
    job = FaxJob.get_by_id(failed)
    assert (job.status, job.attempts, job.result_text) == ("queued", 0, "queued again")
    text = browser.get("/fax").get_data(as_text=True)
    assert "Fax queued again." in text and "/resend" not in text


def test_resending_another_ones_or_a_fax_that_did_not_fail_changes_nothing(app, faxes):
    browser = signed_in(app, *EXTENSION)
    token = csrf_token(browser.get("/fax").get_data(as_text=True))
    FaxJob.update(status="failed").where(FaxJob.id == faxes["theirs"].id).execute()
    for forged in (faxes["theirs"].id, 999999):
        answer = browser.post(f"/fax/{forged}/resend",
                              data={"csrf_token": token, "job_id": faxes["failed"].id})
        assert answer.status_code == 404
    assert FaxJob.get_by_id(faxes["theirs"].id).status == "failed"
    browser.post(f"/fax/{faxes['sent'].id}/resend", data={"csrf_token": token})
    said = page_error(browser.get("/fax").get_data(as_text=True))
    assert said == f"fax {faxes['sent'].id} of extension 101 is not a failed or canceled fax"
    assert FaxJob.get_by_id(faxes["sent"].id).status == "sent"
    assert FaxJob.get_by_id(faxes["failed"].id).status == "failed"


def test_a_queued_fax_is_canceled_from_the_log_and_then_offers_resend(app, faxes):
    browser = signed_in(app, *EXTENSION)
    waiting = faxes["sent"].id
    FaxJob.update(status="queued").where(FaxJob.id == waiting).execute()
    text = browser.get("/fax").get_data(as_text=True)
    row = re.search(rf'<tr data-fax="{waiting}".*?</tr>', text, re.S).group(0)
    assert f'action="/fax/{waiting}/cancel"' in row and "/resend" not in row
    assert text.count("/cancel") == 1  # only the queued one
    assert browser.post(f"/fax/{waiting}/cancel").status_code == 400  # no CSRF token
    assert FaxJob.get_by_id(waiting).status == "queued"
    token = csrf_token(text)
    answer = browser.post(f"/fax/{waiting}/cancel", data={"csrf_token": token})
    assert answer.status_code == 302 and answer.location == "/fax"
    text = browser.get("/fax").get_data(as_text=True)
    row = re.search(rf'<tr data-fax="{waiting}".*?</tr>', text, re.S).group(0)
    assert "Fax canceled: it will not be sent." in text
    assert ">Canceled<" in row and "canceled by 101" in row
    assert f'action="/fax/{waiting}/resend"' in row and "/cancel" not in row


def test_canceling_another_ones_or_a_fax_not_waiting_changes_nothing(app, faxes):
    browser = signed_in(app, *EXTENSION)
    token = csrf_token(browser.get("/fax").get_data(as_text=True))
    FaxJob.update(status="queued").where(FaxJob.id == faxes["theirs"].id).execute()
    for forged in (faxes["theirs"].id, 999999):
        assert browser.post(f"/fax/{forged}/cancel", data={"csrf_token": token}
                            ).status_code == 404
    assert FaxJob.get_by_id(faxes["theirs"].id).status == "queued"
    FaxJob.update(status="sending").where(FaxJob.id == faxes["sent"].id).execute()
    browser.post(f"/fax/{faxes['sent'].id}/cancel", data={"csrf_token": token})
    said = page_error(browser.get("/fax").get_data(as_text=True))
    assert said == f"fax {faxes['sent'].id} of extension 101 is not waiting to be sent"
    assert FaxJob.get_by_id(faxes["sent"].id).status == "sending"


def test_no_other_role_opens_the_fax_pages_logged_out_asks_a_login(app, office, config,
                                                                   faxes):
    add_account(office, *OPERATOR[:1], "operator", OPERATOR[1])
    job = faxes["failed"].id
    for login in (ADMIN, OPERATOR):
        browser = signed_in(app, *login)
        for url in ("/fax", "/fax/send", f"/fax/{faxes['sent'].id}/pdf", "/fax/fax.js"):
            assert browser.get(url).status_code == 403, (login, url)
        token = csrf_token(browser.get("/extensions").get_data(as_text=True))
        for action in ("resend", "cancel"):
            assert browser.post(f"/fax/{job}/{action}", data={"csrf_token": token}
                                ).status_code == 403
        answer = browser.post("/fax/send", data={
            "csrf_token": token, "number": "95550100", "files": files(("p.png", png_page()))},
            content_type="multipart/form-data")
        assert answer.status_code == 403
        header = browser.get("/extensions").get_data(as_text=True)
        assert 'href="/fax"' not in header and 'href="/fax/send"' not in header  # no link
    anonymous = app.test_client()
    assert anonymous.get("/fax").location == "/login?next=/fax"
    assert anonymous.get("/fax/send").location == "/login?next=/fax/send"
    assert FaxJob.get_by_id(job).status == "failed" and FaxJob.select().count() == 4


def test_the_header_links_the_log_after_recordings_and_the_pages_speak_chinese(app, faxes):
    browser = signed_in(app, *EXTENSION, language="zh-CN")
    text = browser.get("/fax").get_data(as_text=True)
    links = re.findall(r'data-endpoint="([\w.]+)"', text)
    assert links[links.index("recordings.index") + 1] == "fax.index"
    for words in ("<title>传真 · switchctl", "发送传真", "开始日期", "方向", "对方号码", "状态",
                  "页数", "已接收", "失败", "下载 PDF", "重新发送"):
        assert words in text, words
    page = browser.get("/fax/send").get_data(as_text=True)
    for words in ("传真号码", "封面页", "拖放"):
        assert words in page, words
    strings = json.loads(html.unescape(re.search(
        r'<script type="application/json" id="fax-strings">(.*?)</script>', page, re.S).group(1)))
    assert strings["remove"] == "移除" and strings["preview"] == "{name} 的预览"
    answer = send_form(browser, number="5550100")
    assert page_error(answer.get_data(as_text=True)).startswith("5550100 ")
    assert not re.search(r"[a-z]{4}", page_error(answer.get_data(as_text=True)))

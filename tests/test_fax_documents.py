"""Fax pages from real files the tests make (reportlab PDFs, Pillow images): the TIFF read
back with Pillow has the fax's width, resolution, compression and page count; landscape
pages are turned upright; the PDF copy has the same pages. Bad files are refused with a
clear message: a renamed executable, a corrupt, an encrypted or too long PDF, an empty or
too large file."""

import io
import re
import shutil

import pytest
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4, letter
from reportlab.pdfgen import canvas

from switchctl.services import ValidationError
from switchctl.services.fax_documents import (
    FAX_WIDTH, Upload, cover_page, fax_document, kind_of)

pytestmark = pytest.mark.skipif(shutil.which("gs") is None,
                                reason="Ghostscript (gs) is not installed (.ci/run installs it)")


def pdf(pages=2, size=A4, password=None):
    out = io.BytesIO()
    drawing = canvas.Canvas(out, pagesize=size, encrypt=password)
    for number in range(pages):
        drawing.setFont("Helvetica", 28)
        drawing.drawString(72, size[1] - 100, f"Page {number + 1}")
        drawing.rect(72, 72, size[0] - 144, size[1] - 200)
        drawing.showPage()
    drawing.save()
    return out.getvalue()


def picture(width, height, kind="PNG", frames=1):
    images = []
    for _ in range(frames):
        image = Image.new("RGB", (width, height), "white")
        ImageDraw.Draw(image).rectangle((10, 10, width // 2, height // 3), fill="black")
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, format=kind, save_all=frames > 1, append_images=images[1:],
                   dpi=(200, 200))
    return out.getvalue()


def tiff_of(document):
    return Image.open(io.BytesIO(document.tiff))


def pages_of(image):
    found = []
    for number in range(image.n_frames):
        image.seek(number)
        found.append((image.size, image.mode, image.info.get("compression"),
                      tuple(round(d) for d in image.info["dpi"])))
    return found


def test_a_two_page_pdf_becomes_two_fine_group_4_a4_pages():
    document = fax_document([Upload("letter.pdf", pdf(2))])
    assert document.pages == 2
    assert pages_of(tiff_of(document)) == [((FAX_WIDTH, 2291), "1", "group4", (204, 196))] * 2
    assert document.pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", document.pdf)) == 2


def test_standard_resolution_group_3_and_letter_paper():
    document = fax_document([Upload("us.pdf", pdf(1, size=letter))], resolution="standard",
                            paper="Letter", group=3)
    assert pages_of(tiff_of(document)) == [((FAX_WIDTH, 1078), "1", "group3", (204, 98))]


def test_several_files_go_in_order_and_landscape_pages_are_turned():
    portrait, landscape = picture(1000, 1400), picture(1400, 1000, kind="JPEG")
    document = fax_document([Upload("a.png", portrait), Upload("b.jpg", landscape),
                             Upload("c.tif", picture(800, 1100, "TIFF", frames=3))])
    assert document.pages == 5
    image = tiff_of(document)
    assert {size for size, *_ in pages_of(image)} == {(FAX_WIDTH, 2291)}
    image.seek(1)  # the landscape JPEG, turned: its black block now lies along the left
    ink = image.convert("L").point(lambda v: 255 if v < 128 else 0).getbbox()
    assert ink is not None
    left, top, right, bottom = ink
    assert right - left < bottom - top  # the block (wider than tall) stands upright


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
@pytest.mark.parametrize("width, height", [(1000, 1400), (1400, 1000)])
def test_portrait_and_landscape_pngs_and_jpegs_make_one_upright_fax_page(kind, width, height):
    document = fax_document([Upload(f"scan.{kind.lower()}", picture(width, height, kind))],
                            resolution="standard")
    assert document.pages == 1
    assert pages_of(tiff_of(document)) == [((FAX_WIDTH, 1146), "1", "group4", (204, 98))]


def test_an_image_keeps_its_aspect_on_the_page():
    strip = io.BytesIO()
    Image.new("L", (1000, 200), 0).save(strip, format="PNG", dpi=(200, 200))  # 5 × 1 inch
    page = tiff_of(fax_document([Upload("strip.png", strip.getvalue())])).convert("L")
    left, top, right, bottom = page.point(lambda v: 255 if v < 128 else 0).getbbox()
    # Turned upright (1 × 5 inches) and fitted to the A4 page's height: 11.69 × 2.34 inches.
    assert bottom - top == 2291
    width_inches, height_inches = (right - left) / 204, (bottom - top) / 196
    assert abs(height_inches / width_inches - 5) < 0.05


def test_a_pdf_ghostscript_can_repair_still_faxes():
    data = pdf(1)
    broken_xref = data[:data.rfind(b"startxref")] + b"startxref\n999999\n%%EOF\n"
    assert fax_document([Upload("saved-badly.pdf", broken_xref)]).pages == 1


def test_content_not_the_name_decides():
    assert kind_of(b"\x7fELF\x02\x01\x01") is None
    assert kind_of(pdf(1)) == "pdf" and kind_of(picture(100, 100)) == "png"
    assert kind_of(picture(100, 100, "JPEG")) == "jpeg"
    assert kind_of(picture(100, 100, "TIFF")) == "tiff"
    document = fax_document([Upload("scan.txt", picture(600, 800))])  # a PNG misnamed
    assert document.pages == 1


@pytest.mark.parametrize("upload, message", [
    (Upload("setup.pdf", b"\x7fELF\x02\x01\x01\x00" + b"\0" * 100),
     "is not a PDF, TIFF, PNG or JPEG"),
    (Upload("broken.pdf", b"%PDF-1.4\n" + b"\x00garbage" * 50), "is not a PDF that can be read"),
    (Upload("empty.pdf", b""), "is empty"),
    (Upload("secret.pdf", pdf(1, password="s3cret")), "encrypted"),
    (Upload("fake.png", b"\x89PNG\r\n\x1a\n" + b"nope" * 20), "cannot be read as an image"),
])
def test_bad_files_are_refused_with_a_clear_message(upload, message):
    with pytest.raises(ValidationError) as refused:
        fax_document([Upload("good.png", picture(100, 100)), upload])
    assert message in str(refused.value) and upload.name in str(refused.value)


def test_pages_too_large_to_draw_and_pictures_pillow_cannot_convert_are_refused():
    """A small file may say it is huge: refused before its pixels are drawn."""
    poster = pdf(1, size=(40 * 72, 40 * 72))  # 40 inches square: 8,160 pixels a side
    huge = io.BytesIO()
    Image.new("1", (8000, 8000), 1).save(huge, format="PNG")
    lab = io.BytesIO()
    Image.new("LAB", (100, 100)).save(lab, format="TIFF")
    for upload, said in (
            (Upload("poster.pdf", poster),
             "poster.pdf has a page too large to fax (8160 × 8160 pixels)"),
            (Upload("huge.png", huge.getvalue()),
             "huge.png has a page too large to fax (8000 × 8000 pixels)"),
            (Upload("lab.tif", lab.getvalue()), "lab.tif cannot be read as an image")):
        assert len(upload.data) < 40_000
        with pytest.raises(ValidationError) as refused:
            fax_document([upload])
        assert str(refused.value) == said


def test_size_and_page_limits():
    with pytest.raises(ValidationError, match="larger than 1 MB"):
        fax_document([Upload("big.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (1024 * 1024))],
                     max_bytes=1024 * 1024)
    with pytest.raises(ValidationError, match="long.pdf takes the fax past 3 pages"):
        fax_document([Upload("long.pdf", pdf(4))], max_pages=3)
    with pytest.raises(ValidationError, match="past 3 pages"):
        fax_document([Upload("a.pdf", pdf(2)), Upload("b.tif", picture(60, 60, "TIFF", 2))],
                     max_pages=3)
    assert fax_document([Upload("three.pdf", pdf(3))], max_pages=3).pages == 3
    with pytest.raises(ValidationError, match="at least one file"):
        fax_document([])


def test_a_cover_page_in_chinese_and_english_leads_the_fax():
    cover = cover_page("Alice Chen 102", "ACME 采购部 +86 10 5555 0100", subject="报价 Quote",
                       note="请查收。 " * 40 + "Regards, Alice", when="2026-12-03 14:00",
                       pages=2)
    document = fax_document([Upload("cover.pdf", cover), Upload("quote.pdf", pdf(2))])
    assert document.pages == 3
    image = tiff_of(document)
    image.seek(0)
    ink = image.convert("L").point(lambda v: 255 if v < 128 else 0)
    left, top, right, bottom = ink.getbbox()
    assert top < 400 and bottom > 1000  # the heading, the fields and the note are drawn
    # The Chinese of the heading ("FAX 传真") is drawn, not left blank: ink right of "FAX".
    heading = ink.crop((0, 0, FAX_WIDTH, 400))
    assert heading.getbbox()[2] - heading.getbbox()[0] > 300


def test_a_cover_note_past_its_limit_is_refused():
    with pytest.raises(ValidationError, match="at most 2000 characters"):
        cover_page("a", "b", note="x" * 2001)


def test_a_cover_is_told_the_pages_that_follow_and_is_not_counted_against_the_limit():
    told = []

    def cover(pages):
        told.append(pages)
        return cover_page("102", "9 5550100", pages=pages)

    document = fax_document([Upload("quote.pdf", pdf(2))], max_pages=2, cover=cover)
    assert told == [2]
    assert document.pages == 3
    image = tiff_of(document)
    assert [page[0] for page in pages_of(image)] == [(FAX_WIDTH, 2291)] * 3
    image.seek(0)
    assert image.convert("L").point(lambda v: 255 if v < 128 else 0).getbbox() is not None

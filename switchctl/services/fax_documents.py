"""What a fax sends: uploaded files checked by their content and turned into the pages a fax
modem takes (mod_spandsp's txfax): a multi-page TIFF, 1728 pixels wide, 1 bit, Group 4 (or
3), at fine (204×196 dpi) or standard (204×98) resolution, each page fitted to A4 or Letter
with its aspect kept, landscape pages turned upright; and a PDF of exactly those pages for
the fax log.

PDF pages are drawn by Ghostscript (``gs``, its ``pnggray`` device at the fax resolution);
images are read by Pillow; Pillow makes every page and writes the TIFF and the PDF. A file
that is none of PDF, TIFF, PNG or JPEG (whatever its name says), an empty or too large one,
a PDF Ghostscript cannot draw (corrupt, or encrypted) and more pages than the limit are
refused with a message fit to show, and nothing is written.
"""

import dataclasses
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from switchctl.services import ValidationError

FAX_WIDTH = 1728  # pixels across an A4/Letter fax line (ITU-T T.4)
HORIZONTAL_DPI = 204
VERTICAL_DPI = {"fine": 196, "standard": 98}
PAPER_INCHES = {"A4": (8.27, 11.69), "Letter": (8.5, 11.0)}
COMPRESSIONS = {4: "group4", 3: "group3"}
MAX_BYTES = 10 * 1024 * 1024  # each file (a setting may lower it)
MAX_PAGES = 50  # the whole fax
GS_SECONDS = 60
# The most pixels one page or picture may have before it is fitted (a 36 × 36 inch page as
# Ghostscript draws it at 204 dpi; a 9,000 × 6,000 photo): beyond it a small file could
# take gigabytes to draw.
MAX_PIXELS = 54_000_000
KINDS = {"pdf": "PDF", "tiff": "TIFF", "png": "PNG", "jpeg": "JPEG"}


@dataclasses.dataclass(frozen=True)
class Upload:
    name: str  # as the user called it (shown in messages only)
    data: bytes


@dataclasses.dataclass(frozen=True)
class FaxDocument:
    tiff: bytes  # what txfax sends
    pdf: bytes  # the same pages, for the log
    pages: int


def kind_of(data):
    """The kind of file ``data`` is by its first bytes: pdf, tiff, png, jpeg, or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    return None


def fax_document(uploads, resolution="fine", paper="A4", group=4, max_pages=MAX_PAGES,
                 max_bytes=MAX_BYTES, cover=None):
    """The FaxDocument of ``uploads`` (Upload, in order); ValidationError when any is bad.
    ``cover``: a function called with ``pages=`` the number of pages that follow, giving a
    cover page's PDF (cover_page), put first (it is not counted against ``max_pages``)."""
    if resolution not in VERTICAL_DPI or paper not in PAPER_INCHES or group not in COMPRESSIONS:
        raise ValueError(f"fax_document: {resolution!r}, {paper!r}, group {group!r}")
    if not uploads:
        raise ValidationError("choose at least one file to fax")

    def fit(image):  # each page as soon as it is read: one full-size page at a time
        return fax_page(image, resolution, paper)

    pages = []
    for upload in uploads:
        room = max_pages - len(pages)
        pages.extend(_pages_of(upload, fit, room, max_bytes, max_pages))
    if cover is not None:
        pages.insert(0, _pdf_pages("the cover page", cover(pages=len(pages)), fit, 1, 1)[0])
    return FaxDocument(_tiff(pages, resolution, group), _pdf(pages, resolution), len(pages))


def fax_page(image, resolution="fine", paper="A4"):
    """One page as the modem sends it: upright, fitted to the paper with its aspect kept
    (pixels are taller than wide at standard resolution), centred, 1 bit."""
    dpi_y = VERTICAL_DPI[resolution]
    width_in, height_in = PAPER_INCHES[paper]
    height = round(height_in * dpi_y)
    page = ImageOps.exif_transpose(image).convert("L")
    if page.width > page.height:  # landscape: turned to fit the portrait paper
        page = page.rotate(90, expand=True)
    # The source's own pixels are square (its dpi, or 204 for what Ghostscript drew at the
    # fax resolution, whose pixels are already the fax's): fit in inches.
    source_dpi = _dpi_of(image)
    width_inches, height_inches = page.width / source_dpi[0], page.height / source_dpi[1]
    scale = min(width_in / width_inches, height_in / height_inches)
    size = (max(1, round(width_inches * scale * HORIZONTAL_DPI)),
            max(1, round(height_inches * scale * dpi_y)))
    size = (min(size[0], FAX_WIDTH), min(size[1], height))
    fitted = page.resize(size, Image.LANCZOS)
    canvas = Image.new("L", (FAX_WIDTH, height), 255)
    canvas.paste(fitted, ((FAX_WIDTH - size[0]) // 2, (height - size[1]) // 2))
    return canvas.convert("1")  # Floyd–Steinberg dithering keeps photos readable


def _dpi_of(image):
    dpi = image.info.get("dpi") or (0, 0)
    try:
        x, y = float(dpi[0]), float(dpi[1])
    except (TypeError, ValueError, IndexError):
        x = y = 0.0
    if x < 50 or y < 50 or x > 1200 or y > 1200:  # absent or absurd: a 200 dpi scan
        return (200.0, 200.0)
    return (x, y)


def _pages_of(upload, fit, room, max_bytes, limit):
    name, data = upload.name, upload.data
    if not data:
        raise ValidationError("%(name)s is empty", {"name": name})
    if len(data) > max_bytes:
        raise ValidationError("%(name)s is larger than %(limit)s MB",
                              {"name": name, "limit": max_bytes // (1024 * 1024)})
    kind = kind_of(data)
    if kind is None:
        raise ValidationError("%(name)s is not a PDF, TIFF, PNG or JPEG file",
                              {"name": name})
    if kind == "pdf":
        return _pdf_pages(name, data, fit, room, limit)
    return _image_pages(name, data, fit, room, limit)


def _too_many(name, limit):
    return ValidationError("%(name)s takes the fax past %(limit)s pages",
                           {"name": name, "limit": limit})


def _too_large(name, image):
    """ValidationError when ``image`` (opened, not yet read) has more pixels than a page
    may; sizes are known before the pixels are decoded."""
    if image.width * image.height > MAX_PIXELS:
        return ValidationError("%(name)s has a page too large to fax (%(width)s × %(height)s "
                               "pixels)", {"name": name, "width": image.width,
                                           "height": image.height})
    return None


def _image_pages(name, data, fit, room, limit):
    try:
        image = Image.open(io.BytesIO(data))
        frames = getattr(image, "n_frames", 1)
        if frames > room:
            raise _too_many(name, limit)
        pages = []
        for number in range(frames):
            image.seek(number)
            refused = _too_large(name, image)
            if refused:
                raise refused
            frame = image.copy()
            frame.info["dpi"] = image.info.get("dpi")
            pages.append(fit(frame))
        return pages
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
            Image.DecompressionBombError):  # ValueError: a mode Pillow cannot convert
        raise ValidationError("%(name)s cannot be read as an image", {"name": name}) from None


def _pdf_pages(name, data, fit, room, limit):
    gs = shutil.which("gs")
    if gs is None:
        raise RuntimeError("Ghostscript (gs) is not installed: PDF files cannot be faxed")
    with tempfile.TemporaryDirectory(prefix="switchctl-fax-") as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(data)
        command = [gs, "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-dNOPROMPT",
                   "-sDEVICE=pnggray", f"-r{HORIZONTAL_DPI}x{HORIZONTAL_DPI}",
                   f"-dLastPage={room + 1}", "-sPDFPassword=",
                   f"-sOutputFile={folder}/page-%04d.png", str(source)]
        try:
            done = subprocess.run(command, capture_output=True, timeout=GS_SECONDS,
                                  check=False)
        except subprocess.TimeoutExpired:
            raise ValidationError("%(name)s could not be read as a PDF in time",
                                  {"name": name}) from None
        drawn = sorted(Path(folder).glob("page-*.png"))
        said = (done.stdout + done.stderr).decode(errors="replace").lower()
        if "password" in said or "encrypt" in said:
            raise ValidationError("%(name)s is an encrypted PDF: send one without a password",
                                  {"name": name})
        # A PDF Ghostscript repaired still faxes (it says "Error" and draws the pages); one it
        # could not read at all draws none, whatever its exit code.
        if done.returncode != 0 or not drawn:
            raise ValidationError("%(name)s is not a PDF that can be read", {"name": name})
        if len(drawn) > room:
            raise _too_many(name, limit)
        return [_drawn_page(name, path, fit) for path in drawn]


def _drawn_page(name, path, fit):
    """The fax page of one page Ghostscript drew (a PNG at the fax's dpi)."""
    try:
        with Image.open(path) as page:
            refused = _too_large(name, page)
            if refused is not None:
                raise refused
            page.load()
            page.info["dpi"] = (HORIZONTAL_DPI, HORIZONTAL_DPI)  # as gs drew it
            return fit(page)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ValidationError("%(name)s is not a PDF that can be read", {"name": name}) from None


def _tiff(pages, resolution, group):
    out = io.BytesIO()
    pages[0].save(out, format="TIFF", save_all=True, append_images=pages[1:],
                  compression=COMPRESSIONS[group],
                  dpi=(HORIZONTAL_DPI, VERTICAL_DPI[resolution]))
    return out.getvalue()


def _pdf(pages, resolution):
    """The pages as a PDF a person opens (each at its real size: the fax's dpi)."""
    out = io.BytesIO()
    # Pillow's PDF writer takes one resolution: at standard resolution the pages are
    # stretched back to square pixels first.
    shown = pages if resolution == "fine" else [
        page.resize((page.width, page.height * 2)) for page in pages]
    shown[0].save(out, format="PDF", save_all=True, append_images=shown[1:],
                  resolution=HORIZONTAL_DPI)
    return out.getvalue()


def received_pdf(data):
    """``(PDF, pages)`` of a TIFF the fax receiver wrote (rxfax: one page per frame, its
    pixels as tall as the resolution says); ValueError when it has no page to read."""
    pages = []
    try:
        image = Image.open(io.BytesIO(data))
        for number in range(getattr(image, "n_frames", 1)):
            image.seek(number)
            dpi_x, dpi_y = _dpi_of(image)
            page = image.convert("1")
            # Square pixels for the PDF's one resolution: each line as tall as it is wide.
            height = max(1, round(page.height * dpi_x / dpi_y))
            pages.append(page if height == page.height else page.resize((page.width, height)))
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        if not pages:
            raise ValueError(f"no fax page can be read ({exc})") from None
        # A reception cut short may leave a last page unreadable: the pages before it stand.
    if not pages:
        raise ValueError("no fax page can be read")
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:],
                  resolution=HORIZONTAL_DPI)
    return out.getvalue(), len(pages)


COVER_FONT, WIDE_FONT = "Helvetica", "STSong-Light"  # reportlab's own: nothing to install
NOTE_LIMIT = 2000
FIELD_LIMIT = 80  # the cover page's recipient and subject (one line each)


def check_cover(recipient, subject, note):
    """ValidationError when a cover page's words do not fit on it."""
    if max(len(recipient), len(subject)) > FIELD_LIMIT:
        raise ValidationError("the cover page's recipient and subject may have at most "
                              "%(limit)s characters each", {"limit": FIELD_LIMIT})
    if len(note) > NOTE_LIMIT:
        raise ValidationError("the note may have at most %(limit)s characters",
                              {"limit": NOTE_LIMIT})


def cover_page(sender, recipient, subject="", note="", when="", pages=0, paper="A4"):
    """A cover page (a PDF of one page, made with reportlab) saying who sends to whom, when,
    how many pages follow, the subject and a note. Chinese text is drawn with reportlab's
    built-in STSong-Light (a CID font Ghostscript substitutes), the rest with Helvetica."""
    from reportlab.lib.pagesizes import A4, letter
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if WIDE_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(WIDE_FONT))
    check_cover(recipient, subject, note)
    size = A4 if paper == "A4" else letter
    out = io.BytesIO()
    drawing = canvas.Canvas(out, pagesize=size)
    drawing.setTitle("Fax")
    margin, y = 72, size[1] - 96
    _runs(drawing, margin, y, "FAX 传真", 36)
    y -= 64
    for label, value in (("To 收件人", recipient), ("From 发件人", sender),
                         ("Date 日期", when), ("Pages 页数", str(pages) if pages else ""),
                         ("Subject 主题", subject)):
        _runs(drawing, margin, y, label, 14)
        _runs(drawing, margin + 130, y, value, 14)
        y -= 26
    drawing.line(margin, y, size[0] - margin, y)
    y -= 30
    for line in _wrapped(note, size[0] - 2 * margin, 12, pdfmetrics):
        if y < margin:
            break
        _runs(drawing, margin, y, line, 12)
        y -= 18
    drawing.showPage()
    drawing.save()
    return out.getvalue()


def _wide(character):
    return ord(character) >= 0x2E80  # CJK and the full-width forms


def _runs(drawing, x, y, text, size):
    """Draw ``text`` at (x, y), each stretch in the font that has its characters."""
    from reportlab.pdfbase import pdfmetrics

    for wide, run in _stretches(text):
        font = WIDE_FONT if wide else COVER_FONT
        drawing.setFont(font, size)
        drawing.drawString(x, y, run)
        x += pdfmetrics.stringWidth(run, font, size)


def _stretches(text):
    found = []
    for character in text:
        wide = _wide(character)
        if found and found[-1][0] == wide:
            found[-1][1] += character
        else:
            found.append([wide, character])
    return [(wide, run) for wide, run in found]


def _wrapped(note, width, size, metrics):
    """The note's lines, each broken to fit ``width`` points (at spaces, or anywhere in
    Chinese text)."""
    def measure(text):
        return sum(metrics.stringWidth(c, WIDE_FONT if _wide(c) else COVER_FONT, size)
                   for c in text)

    lines = []
    for paragraph in note.replace("\r\n", "\n").split("\n"):
        line = ""
        for character in paragraph:
            if line and measure(line + character) > width:
                cut = line.rfind(" ")
                if cut > 0 and not _wide(character):
                    lines.append(line[:cut])
                    line = line[cut + 1:] + character
                else:
                    lines.append(line)
                    line = character
            else:
                line += character
        lines.append(line)
    return lines

"""What making a fax costs the event loop that answers FreeSWITCH.

A fax of ``--pages`` pages is converted (services/fax_documents) while a greenlet on the
same gevent loop (monkey-patched, as in ``switchctl serve``) wakes every 10 ms, standing in
for the switch's xml_curl requests. Sending (the upload made into the modem's TIFF) and
receiving (a received TIFF made into the log's PDF) are measured three ways each: on the
loop, in gevent's thread pool, and in a child process (pool.run_in_child, what services/fax
does), for a PDF and for PNG scans. Prints, for each, the conversion's time and how late the
loop's wake-ups came (p50, p99, max): a late wake-up is a switch request kept waiting; and
the peak memory of a conversion in its child process.
Target: no wake-up more than 50 ms late in the way switchctl uses.

    python benchmarks/fax_convert_bench.py [--pages N]
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import io  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from switchctl.pool import run_in_child, run_in_pool  # noqa: E402
from switchctl.services import fax_documents  # noqa: E402
from switchctl.services.fax_documents import Upload  # noqa: E402

TICK = 0.01


def letter(pages):
    """A PDF of ``pages`` pages of text and a grey box (reportlab)."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    drawing = canvas.Canvas(out)
    for number in range(pages):
        drawing.setFont("Helvetica", 12)
        for line in range(40):
            drawing.drawString(72, 760 - line * 16, f"Page {number + 1}, line {line + 1}: "
                               "the quick brown fox jumps over the lazy dog")
        drawing.setFillGray(0.5)
        drawing.rect(72, 72, 300, 60, fill=1)
        drawing.showPage()
    drawing.save()
    return out.getvalue()


def measured(convert):
    """``(seconds, [lateness of each wake-up, ms])`` while ``convert()`` runs."""
    late, running = [], [True]

    def ticker():
        while running[0]:
            asked = time.perf_counter()
            gevent.sleep(TICK)
            late.append((time.perf_counter() - asked - TICK) * 1000)

    beat = gevent.spawn(ticker)
    gevent.sleep(0.05)
    late.clear()
    start = time.perf_counter()
    convert()
    seconds = time.perf_counter() - start
    gevent.sleep(0.05)  # the wake-up held up by the end of the work is counted too
    running[0] = False
    beat.join()
    return seconds, late


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def scans(pages):
    """``pages`` PNG scans (200 dpi A4, text-like bars), as a phone's camera app sends."""
    from PIL import Image, ImageDraw

    made = []
    for number in range(pages):
        image = Image.new("L", (1654, 2339), 255)
        drawing = ImageDraw.Draw(image)
        for line in range(60):
            drawing.rectangle((120, 150 + line * 35, 1500 - (line * 37 + number) % 500,
                               170 + line * 35), fill=0)
        out = io.BytesIO()
        image.save(out, format="PNG", dpi=(200, 200))
        made.append(Upload(f"scan{number + 1}.png", out.getvalue()))
    return made


def ways_for(uploads, received):
    """What is measured: sending (the uploads made into a fax) and receiving (a received
    TIFF made into the log's PDF), each on the loop, in the thread pool and in a child."""
    module = "switchctl.services.fax_documents"
    return {
        "send: on the loop": lambda: fax_documents.fax_document(uploads),
        "send: thread pool": lambda: run_in_pool(fax_documents.fax_document, uploads),
        "send: child process": lambda: run_in_child(module, "fax_document", uploads),
        "receive: on the loop": lambda: fax_documents.received_pdf(received),
        "receive: thread pool": lambda: run_in_pool(fax_documents.received_pdf, received),
        "receive: child process": lambda: run_in_child(module, "received_pdf", received),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    args = parser.parse_args()
    print(f"{args.pages} pages, fine resolution, A4; loop wake-ups every {TICK * 1000:.0f} ms")
    documents = (("PDF", [Upload("letter.pdf", letter(args.pages))]), ("PNG", scans(args.pages)))
    # First, while this process is small (a child forked from it starts at its size): the
    # largest of the processes waited for since (the children, and the Ghostscript they
    # ran), as Linux counts them.
    for _, uploads in documents:
        run_in_child("switchctl.services.fax_documents", "fax_document", uploads)
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory of a conversion in its child process: {largest:.0f} MB")
    for kind, uploads in documents:
        received = fax_documents.fax_document(uploads).tiff
        for name, convert in ways_for(uploads, received).items():
            if kind == "PDF" and name == "send: thread pool":
                print(f"{kind} {name:24} cannot run: Ghostscript is not started from a "
                      "pool thread under gevent")
                continue
            if kind == "PNG" and name.startswith("receive"):
                continue  # the same TIFF as the PDF's: measured once
            seconds, late = measured(convert)
            late = late or [0.0]
            print(f"{kind} {name:24} {seconds:6.2f} s   late wake-ups "
                  f"p50 {statistics.median(late):6.1f} ms   p99 {percentile(late, 0.99):7.1f} ms"
                  f"   max {max(late):7.1f} ms")


if __name__ == "__main__":
    main()

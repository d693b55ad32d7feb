"""What making a fax costs the event loop that answers FreeSWITCH.

A portal user's fax (a PDF of ``--pages`` pages) is turned into the modem's TIFF and the
log's PDF (services/fax_documents) while a greenlet on the same gevent loop (monkey-patched,
as in ``switchctl serve``) wakes every 10 ms, standing in for the switch's xml_curl requests.
Three ways are measured: on the loop, in gevent's thread pool, and in a child process
(pool.run_in_child, what services/fax.submit does). Prints, for each, the conversion's time
and how late the loop's wake-ups came (p50, p99, max): a late wake-up is a switch request
kept waiting. Target: no wake-up more than 50 ms late in the way switchctl uses.

    python benchmarks/fax_convert_bench.py [--pages N]
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import io  # noqa: E402
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    args = parser.parse_args()
    uploads = [Upload("letter.pdf", letter(args.pages))]
    ways = {
        "on the loop": lambda: fax_documents.fax_document(uploads),
        "thread pool": lambda: run_in_pool(fax_documents.fax_document, uploads),
        "child process (switchctl)": lambda: run_in_child(
            "switchctl.services.fax_documents", "fax_document", uploads),
    }
    print(f"a {args.pages}-page PDF to a fine-resolution A4 fax; loop wake-ups every "
          f"{TICK * 1000:.0f} ms")
    for name, convert in ways.items():
        seconds, late = measured(convert)
        late = late or [0.0]
        print(f"{name:28} {seconds:6.2f} s   late wake-ups p50 {statistics.median(late):7.1f} ms"
              f"   p99 {percentile(late, 0.99):7.1f} ms   max {max(late):7.1f} ms")


if __name__ == "__main__":
    main()

"""Records FreeSWITCH could not post, brought back from the folder it keeps them in.

When every try fails, mod_xml_cdr (1.10.12, my_on_reporting) writes the record to its
``err-log-dir`` as ``a_<uuid>.cdr.xml`` (``<uuid>.cdr.xml`` for a B leg) in the post's
encoding without the ``cdr=``: raw XML with our ``encode=textxml``, %-encoded or base64
otherwise. It never sends one again. ``import_folder`` decides on each file as on a post
(xml_cdr.intake: stored once per call uuid) and moves it into ``imported/`` once done,
or into ``refused/`` when it can never be stored (the reason is logged); a file it cannot
decide on now (the database away, its domain missing) stays for the next run.
``switchctl cdr import DIR`` runs it once; ``switchctl serve`` runs ``follow`` on
``cdr_spool``: at start, then every INTERVAL seconds, yielding between files.
"""

import dataclasses
import logging
import os
import stat
import time
from pathlib import Path

import gevent

from switchctl.xml_cdr.intake import KEPT, MAX_BODY, REFUSED, UNAVAILABLE, Decision, take

log = logging.getLogger(__name__)
SUFFIX = ".cdr.xml"
IMPORTED, REFUSED_FOLDER = "imported", "refused"
INTERVAL = 30
# FreeSWITCH writes a file in place (open, write, close): one that is not a CDR yet and is
# younger than this may still be being written, and is left for the next run.
SETTLE_SECONDS = 60


@dataclasses.dataclass
class Tally:
    imported: int = 0  # stored, already stored, or a B leg (not kept): moved to imported/
    refused: int = 0  # moved to refused/
    left: int = 0  # still in the folder, for the next run
    why_left: str = ""

    def __str__(self):
        text = f"{self.imported} imported, {self.refused} refused, {self.left} left"
        return f"{text} ({self.why_left})" if self.why_left else text


def unusable(folder):
    """Why switchctl cannot import ``folder`` (read its files, move them), or None."""
    folder = Path(folder)
    if not folder.is_dir():
        return f"{folder} is not a folder"
    if not os.access(folder, os.R_OK | os.W_OK | os.X_OK):
        return f"{folder} is not readable and writable by this user"
    return None


def import_folder(folder, default_domain, media_folder=None):
    """Import every record file in ``folder``; return a Tally. Stops early, leaving the
    rest, when the database is away."""
    folder = Path(folder)
    tally = Tally()
    names = record_files(folder)
    for index, name in enumerate(names):
        if index:
            gevent.sleep(0)  # under switchctl serve: the loop's other work goes on
        decision = _import_file(folder, name, default_domain, media_folder)
        if decision.outcome == UNAVAILABLE:
            tally.left += len(names) - index
            tally.why_left = decision.reason
            break
        if decision.done:
            tally.imported += 1
        elif decision.outcome == REFUSED:
            tally.refused += 1
        else:
            tally.left += 1
            tally.why_left = decision.reason
    return tally


def record_files(folder):
    """The names of the record files in ``folder`` (regular files, not links), sorted."""
    with os.scandir(folder) as entries:
        return sorted(entry.name for entry in entries
                      if entry.name.endswith(SUFFIX) and entry.is_file(follow_symlinks=False))


def _import_file(folder, name, default_domain, media_folder):
    path = folder / name
    try:
        body, modified = _read(path)
    except OSError as exc:
        log.warning("cdr file %s: left in place, cannot read it (%s)", path,
                    exc.strerror or exc)
        return Decision(KEPT, reason=f"cannot read {name}")
    decision = (take(as_posted(body), default_domain, media_folder=media_folder)
                if body is not None else Decision(REFUSED, reason=f"larger than {MAX_BODY} bytes"))
    if decision.outcome == REFUSED and time.time() - modified < SETTLE_SECONDS:
        log.debug("cdr file %s: not a CDR yet, may be being written", path)
        return Decision(KEPT, reason="being written")
    if decision.done:
        log.debug("cdr file %s: %s, moved to %s/", path, decision.outcome, IMPORTED)
        _move(path, folder / IMPORTED)
    elif decision.outcome == REFUSED:
        log.warning("cdr file %s: refused, moved to %s/: %s", path, REFUSED_FOLDER,
                    decision.reason)
        _move(path, folder / REFUSED_FOLDER)
    elif decision.outcome != UNAVAILABLE:
        log.error("cdr file %s: left for the next run: %s", path, decision.reason)
    return decision


def as_posted(content):
    """A record file's content as mod_xml_cdr posts it: %-encoded or base64 text is the
    value of ``cdr=`` (the file has no ``cdr=``); raw XML is posted as it is."""
    return content if content.lstrip().startswith((b"<", b"cdr=")) else b"cdr=" + content


def _read(path):
    """``(body, modified)``; body None when the file is larger than MAX_BODY."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as handle:
        status = os.fstat(handle.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise OSError(0, "not a regular file")
        body = handle.read(MAX_BODY + 1)
    return (body if len(body) <= MAX_BODY else None), status.st_mtime


def _move(path, into):
    try:
        into.mkdir(exist_ok=True)
        os.replace(path, into / path.name)
    except OSError as exc:
        log.error("cdr file %s: cannot move it into %s/ (%s); it is decided on again next "
                  "run (stored once all the same)", path, into.name, exc.strerror or exc)


def follow(folder, default_domain, media_folder=None, interval=INTERVAL):
    """Import ``folder`` now and then every ``interval`` seconds, for ever (a greenlet of
    switchctl serve). A folder it cannot use is logged when found so, and when usable again."""
    problem = None
    while True:
        problem = _run_once(folder, default_domain, media_folder, problem)
        gevent.sleep(interval)


def _run_once(folder, default_domain, media_folder, known_problem):
    problem = unusable(folder)
    if problem != known_problem:
        if problem:
            log.warning("cdr spool: %s: records FreeSWITCH could not post are not imported "
                        "from it", problem)
        else:
            log.info("cdr spool %s: importing the records FreeSWITCH could not post", folder)
    if problem:
        return problem
    try:
        tally = import_folder(folder, default_domain, media_folder)
    except Exception as exc:  # a greenlet that dies would import nothing more, ever
        log.error("cdr spool %s: import failed (%s: %s); tried again next run", folder,
                  type(exc).__name__, exc)
        log.debug("cdr spool import failure", exc_info=exc)
        return None
    if tally.imported or tally.refused or tally.why_left:
        level = logging.WARNING if tally.left else logging.INFO
        log.log(level, "cdr spool %s: %s", folder, tally)
    return None

"""The fax pages (SPEC 1.6) of an extension user: ``/fax/send`` queues a fax of files
dropped on the page or chosen with its picker (in order, an optional cover page), and
``/fax`` is the log of the user's sent and received faxes, searched by date and direction,
each with its PDF, a Cancel button while a sent one waits in the queue, and a Resend
button when it failed or was canceled.

Every fax is looked up among the logged-in extension's (services.fax.job_of filters by it
in the query), so the id of another extension's fax finds nothing: 404, nothing changed.
A PDF is served only from inside the media folder. The send form's request may be larger
than the portal's 1 MB (``upload_limit``): a few files of the domain's fax_max_megabytes.
"""

import logging
from pathlib import Path

from flask import (Blueprint, flash, make_response, redirect, render_template,
                   request, send_file, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from switchctl.models.logins import ROLE_EXTENSION
from switchctl.portal import paging
from switchctl.portal.access import roles_required
from switchctl.portal.audio import media_folder
from switchctl.portal.call_records.views import parse_day
from switchctl.portal.fax import results
from switchctl.portal.i18n import error_text
from switchctl.portal.lookups import my_extension, or_404
from switchctl.portal.policy import CONTENT_SECURITY_POLICY
from switchctl.pool import ChildFailed
from switchctl.services import ValidationError, call_records, fax
from switchctl.services.domains import find_domain, time_zone
from switchctl.services.fax_documents import FIELD_LIMIT, NOTE_LIMIT, Upload

blueprint = Blueprint("fax", __name__, template_folder="templates")
log = logging.getLogger(__name__)
SCRIPT = Path(__file__).parent / "fax.js"
STYLE = Path(__file__).parent / "fax.css"
MB = 1024 * 1024
FILES_AT_MOST_SIZE = 4  # a send request may carry this many files of the largest size
FORM_ROOM = 64 * 1024  # the form's other fields and the multipart framing
REQUEST_CAP = 60 * MB
NAME_LIMIT = 100  # of a file's name, as messages show it
# The previews of the chosen images are object URLs (blob:): allowed on the send page only.
SEND_POLICY = CONTENT_SECURITY_POLICY.replace("img-src 'self' data:",
                                              "img-src 'self' data: blob:")
# The direction's words are not the status's (Sent, Received): a queued fax is outgoing.
DIRECTIONS = (("all", _l("All")), ("sent", _l("Outgoing")), ("received", _l("Incoming")))
STATUSES = {"queued": _l("Queued"), "sending": _l("Sending"), "sent": _l("Sent"),
            "received": _l("Received"), "failed": _l("Failed"), "canceled": _l("Canceled")}


def own_fax(extension, job_id):
    """Fax ``job_id`` of ``extension``; 404 for any other (another's, or none)."""
    return or_404(fax.job_of(extension.domain_id, job_id, extension.id))


# Sending.

def extension_user():
    return current_user.is_authenticated and current_user.principal.role == ROLE_EXTENSION


def largest_file():
    """The largest file the logged-in extension user's domain takes (fax_max_megabytes)."""
    domain = find_domain(current_user.principal.domain_name)
    return fax.settings(domain).max_bytes if domain is not None else fax.FaxSettings.max_bytes


def request_limit(largest):
    """The most bytes a send request may carry: a few files of the ``largest`` size,
    60 MB at most."""
    return min(FILES_AT_MOST_SIZE * largest + FORM_ROOM, REQUEST_CAP)


@blueprint.url_value_preprocessor
def upload_limit(endpoint, values):
    """Raise the request limit for the send form. URL value preprocessors run before the
    before_request functions, so before CSRFProtect's reads the form."""
    if endpoint == "fax.send" and request.method == "POST" and extension_user():
        request.max_content_length = request_limit(largest_file())


@blueprint.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """A send request over the limit is refused before the view runs: the form again,
    saying why (what was typed is not read: the request is too large to read)."""
    if request.endpoint != "fax.send" or not extension_user():
        return error
    extension = my_extension()
    largest = fax.settings(extension.domain_id).max_bytes
    return send_page(extension, {}, too_large_text(largest), 413)


def too_large_text(largest):
    """What the page says of files too large to send together, ``largest`` the biggest
    file the domain takes (the server's 413, and the page's own check before sending)."""
    return _("The files are too large to send together: at most %(total)s MB in one fax, "
             "%(each)s MB per file. Send fewer or smaller files.",
             total=request_limit(largest) // MB, each=largest // MB)


@blueprint.route("/fax/send", methods=["GET", "POST"])
@roles_required(ROLE_EXTENSION)
def send():
    extension = my_extension()
    if request.method == "GET":
        return send_page(extension, {})
    values = {name: request.form.get(name, "").strip()
              for name in ("number", "recipient", "subject", "note")}
    values["cover"] = request.form.get("cover") == "1"
    try:
        job = fax.submit(extension, values["number"], uploads(), media_folder(),
                         cover=cover_of(values))
    except ValidationError as error:
        return send_page(extension, values, error_text(error), 400)
    except ChildFailed as exc:  # the converter died or ran out of time: nothing queued
        log.error("portal: a fax of extension %s could not be made: %s", extension.number, exc)
        return send_page(extension, values, _(
            "The fax could not be made from these files just now. Try again, or send fewer "
            "pages."), 503)
    except RuntimeError as exc:  # no Ghostscript: a PDF cannot be drawn
        log.error("portal: a fax of extension %s cannot be made: %s", extension.number, exc)
        return send_page(extension, values, _("PDF files cannot be faxed on this system now. "
                                              "Ask your administrator."), 503)
    if job.status == "sent":  # one of the domain's own fax numbers: delivered at once
        flash(_("Fax delivered to fax number %(number)s.", number=job.destination))
    else:
        flash(_("Fax queued."))
    return redirect(url_for(".index"))


def uploads():
    """The files of the form, in order; a part with no file in it (nothing chosen) left out."""
    return [Upload(Path(part.filename or "").name[:NAME_LIMIT] or "?", part.read())
            for part in request.files.getlist("files") if part.filename]


def cover_of(values):
    if not values["cover"]:
        return None
    return fax.Cover(recipient=values["recipient"], subject=values["subject"],
                     note=values["note"].replace("\r\n", "\n"))


def send_page(extension, values, error=None, status=200):
    if error is not None:
        flash(error, "error")
    rules = fax.settings(extension.domain_id)
    page = make_response(render_template(
        "fax/send.html", values=values, each=rules.max_bytes // MB, pages=rules.max_pages,
        note_limit=NOTE_LIMIT, field_limit=FIELD_LIMIT, each_bytes=rules.max_bytes,
        total_bytes=request_limit(rules.max_bytes) - FORM_ROOM,
        too_large=too_large_text(rules.max_bytes)), status)
    page.headers["Content-Security-Policy"] = SEND_POLICY
    return page


@blueprint.get("/fax/fax.js")
@roles_required(ROLE_EXTENSION)
def script():
    """The send page's script: dropped files into the form, listed with their previews."""
    return send_file(SCRIPT, mimetype="text/javascript")


@blueprint.get("/fax/fax.css")
@roles_required(ROLE_EXTENSION)
def style():
    """The send page's drop zone and previews."""
    return send_file(STYLE, mimetype="text/css")


# The log.

def criteria():
    """``(the fields as typed, (start, end, direction), error message or None)``."""
    typed = {name: request.args.get(name, "").strip() for name in ("start", "end", "direction")}
    typed["direction"] = typed["direction"] or "all"
    start, end = parse_day(typed["start"]), parse_day(typed["end"])
    error = None
    if start is False or end is False:
        error = _("The date is not a date: write it as 2018-03-14.")
    elif start and end and end < start:
        error = _("The end date is before the start date.")
    elif typed["direction"] not in dict(DIRECTIONS):
        error = _("Choose sent or received faxes from the list.")
    direction = None if typed["direction"] == "all" else typed["direction"]
    return typed, (start or None, end or None, direction), error


def rows(found):
    """The log's rows: each fax with what the table says of it."""
    return [{"fax": item, "status": STATUSES.get(item.status, item.status),
             "result": results.said(item.result),
             "direction": dict(DIRECTIONS).get(item.direction, item.direction),
             "resend": item.direction == "sent" and item.status in fax.RESENDABLE,
             "cancel": item.direction == "sent" and item.status == "queued"}
            for item in found]


@blueprint.get("/fax")
@roles_required(ROLE_EXTENSION)
def index():
    extension = my_extension()
    typed, (start, end, direction), error = criteria()
    number = paging.page_number()
    found, has_next = ([], False) if error else fax.log_of(
        extension.domain_id, extension.id, start, end, direction,
        zone=time_zone(extension.domain_id), page=number)
    page = render_template("fax/index.html", typed=typed, directions=DIRECTIONS, error=error,
                           rows=rows(found), page_number=number, has_next=has_next)
    return page, 400 if error else 200


@blueprint.get("/fax/<int:job_id>/pdf")
@roles_required(ROLE_EXTENSION)
def pdf(job_id):
    """The fax's pages as a PDF to keep."""
    extension = my_extension()
    job = own_fax(extension, job_id)
    path = or_404(fax.pdf_file(job, media_folder()))  # inside the media folder only
    at = call_records.local_time(job.created, time_zone(extension.domain_id))
    return send_file(path, mimetype="application/pdf", as_attachment=True,
                     download_name=f"fax-{at:%Y%m%d-%H%M%S}-{job.id}.pdf")


@blueprint.post("/fax/<int:job_id>/resend")
@roles_required(ROLE_EXTENSION)
def resend(job_id):
    """Queue a failed or canceled fax again (same pages, same number, its tries counted
    afresh)."""
    return changed(job_id, fax.resend, _("Fax queued again."))


@blueprint.post("/fax/<int:job_id>/cancel")
@roles_required(ROLE_EXTENSION)
def cancel(job_id):
    """Take a queued fax out of the queue (one whose call is out goes on)."""
    return changed(job_id, fax.cancel, _("Fax canceled: it will not be sent."))


def changed(job_id, change, done):
    """``change(extension, job_id)`` on one of the user's own faxes, then back to the log
    saying ``done`` or the service's refusal."""
    extension = my_extension()
    own_fax(extension, job_id)
    try:
        change(extension, job_id)
    except ValidationError as error:
        flash(error_text(error), "error")
    else:
        flash(done)
    return redirect(url_for(".index"))

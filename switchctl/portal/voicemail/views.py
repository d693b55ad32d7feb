"""The voicemail pages: an extension user's own mailbox (``/voicemail``).

The list is the phone's mailbox menu on a page, newest first (the phone plays new ones
first; a page lists by time and marks the new ones). Every message is looked up in the
logged-in user's own mailbox (services.voicemail.find_message filters by it), so the id
of another extension's message finds nothing: 404, nothing changed. A change (read,
unread, deleted) lights the phones' lamp through the live view, as the phone menu does;
a message played in the page is marked read by the page's script (voicemail.js), as the
phone marks one it played.
"""

import logging
from pathlib import Path

from flask import (Blueprint, current_app, flash, jsonify, redirect, render_template,
                   request, send_file, url_for)
from flask_babel import gettext as _
from flask_login import current_user

from switchctl.models.logins import ROLE_EXTENSION
from switchctl.portal import paging
from switchctl.portal.access import roles_required
from switchctl.portal.audio import media_folder, send_wav, wav_name
from switchctl.portal.context import portal_context
from switchctl.portal.i18n import html_lang
from switchctl.portal.lookups import or_404
from switchctl.services import voicemail
from switchctl.services.domains import time_zone

blueprint = Blueprint("voicemail", __name__, template_folder="templates")
log = logging.getLogger(__name__)
SCRIPT = Path(__file__).parent / "voicemail.js"


def own_mailbox():
    """The logged-in extension's mailbox (404 should it be gone meanwhile)."""
    principal = current_user.principal
    box = voicemail.mailbox(principal.domain_name, principal.name)
    return or_404(box if box is not None and box.id == principal.record_id else None)


def own_message(box, uid):
    """Message ``uid`` of ``box``; 404 for any other (another mailbox's, or none)."""
    return or_404(voicemail.find_message(box, uid))


def local_time(message, zone):
    """When the message came (stored as this machine's naive time) in ``zone``."""
    return message.received.astimezone().astimezone(zone)


@blueprint.get("/voicemail")
@roles_required(ROLE_EXTENSION)
def index():
    box = own_mailbox()
    number = paging.page_number()
    page = voicemail.messages(box, number)
    zone = time_zone(box.domain_id)
    folder = media_folder()
    rows = [{"message": message, "received": local_time(message, zone),
             "audio": voicemail.has_audio(folder, message)} for message in page.messages]
    names = voicemail.callers_known_as(box, page.messages)
    return render_template("voicemail/index.html", rows=rows, names=names,
                           counts=voicemail.counts(box.domain_name, box.number),
                           page_number=number, has_next=page.more, voicemail_on=box.enabled)


@blueprint.get("/voicemail/<uid>/audio")
@roles_required(ROLE_EXTENSION)
def audio(uid):
    """The message's WAV, to play in the page (conditional and range requests)."""
    return send_audio(uid, attachment=False)


@blueprint.get("/voicemail/<uid>/download")
@roles_required(ROLE_EXTENSION)
def download(uid):
    """The message's WAV as a file to keep (deleting the message later leaves it)."""
    return send_audio(uid, attachment=True)


def send_audio(uid, attachment):
    box = own_mailbox()
    message = own_message(box, uid)
    try:
        audio_file = voicemail.open_audio(media_folder(), message)
    except voicemail.AudioUnavailable:
        return audio_gone(attachment)
    # voicemail-20261202-140503-from-13800000000.wav: the time in the domain's zone and
    # the caller's number.
    name = wav_name("voicemail", local_time(message, time_zone(box.domain_id)), "from",
                    message.caller_number)
    return send_wav(audio_file, name, attachment, message.uid)


def audio_gone(attachment):
    text = _("The recording of this message is gone: it cannot be played or downloaded.")
    if attachment:  # a link followed from the list: back to it, saying why
        flash(text, "error")
        return redirect(url_for("voicemail.index"))
    page = current_app.jinja_env.get_template("error.html")
    return page.render(message=text, html_lang=html_lang()), 404


@blueprint.get("/voicemail/voicemail.js")
@roles_required(ROLE_EXTENSION)
def script():
    """The page's script: a message played in the page is marked read, as on the phone."""
    return send_file(SCRIPT, mimetype="text/javascript")


@blueprint.post("/voicemail/<uid>/read")
@roles_required(ROLE_EXTENSION)
def mark(uid):
    """Mark the message read (``read=1``) or unread again (``read=0``). The page's script
    asks with ``reply=json`` and gets the mailbox's counts instead of the page."""
    box = own_mailbox()
    message = own_message(box, uid)
    wanted = request.form.get("read", "")
    quiet = request.form.get("reply") == "json"
    if wanted not in ("0", "1"):
        text = _("Choose whether the message is read or unread.")
        if quiet:
            return jsonify(error=text), 400
        flash(text, "error")
        return back()
    if voicemail.mark_read(box, message.uid, read=wanted == "1"):
        lamp_follows(box)
    if quiet:
        counts = voicemail.counts(box.domain_name, box.number)
        return jsonify(read=wanted == "1", new=counts.new, saved=counts.saved)
    flash(_("Message marked read.") if wanted == "1" else _("Message marked unread."))
    return back()


@blueprint.post("/voicemail/<uid>/delete")
@roles_required(ROLE_EXTENSION)
def delete(uid):
    """Delete the message, its row and its WAV (a downloaded copy stays the user's)."""
    box = own_mailbox()
    message = own_message(box, uid)
    try:
        deleted = voicemail.delete_message(media_folder(), box, message.uid)
    except OSError as exc:
        log.error("portal: message %s of %s@%s cannot be deleted: %s", message.uid,
                  box.number, box.domain_name, exc)
        flash(_("The message could not be deleted: its recording cannot be removed. "
                "Ask your administrator."), "error")
        return back()
    if deleted:
        lamp_follows(box)
    flash(_("Message deleted."))
    return back()


def lamp_follows(box):
    """Tell the phones of the mailbox (their voicemail lamp); no live view in this process
    (no event listener): nothing to tell."""
    live = portal_context().live
    if live is not None:
        live.mailbox_changed(box.domain_name, box.number)


def back():
    """To the list, on the page the form was sent from."""
    return redirect(url_for("voicemail.index", page=paging.form_page()))

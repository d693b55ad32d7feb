"""The admin's conference rooms (manual §2.8): number, name, admin PIN and user PIN; a
room's page lists who is in it now (who, moderator, muted, talking), asked from the
switch when the page is shown (esl/conference_members through the listener)."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from switchctl.esl.conference_members import SwitchUnavailable, room_members
from switchctl.models.logins import ROLE_ADMIN
from switchctl.portal.access import roles_required
from switchctl.portal.context import portal_context
from switchctl.portal.forms import flash_refusal, typed
from switchctl.portal.lookups import my_domain, or_404
from switchctl.services import ValidationError
from switchctl.services import conferences

blueprint = Blueprint("conferences", __name__, template_folder="templates")
FIELDS = ("number", "name", "admin_pin", "user_pin")


def _room(room_id):
    return or_404(conferences.find_room(my_domain(), room_id))


def _members(room):
    """The room's members now, or None when the switch cannot be asked."""
    live = portal_context().live
    if live is None:
        return None
    try:
        return room_members(live.listener.api, room.number, my_domain().name)
    except SwitchUnavailable:
        return None


@blueprint.get("/conferences")
@roles_required(ROLE_ADMIN)
def index(form=None, status=200):
    rooms = conferences.list_rooms(my_domain())
    return render_template("conferences/list.html", rooms=rooms, form=form or {}), status


@blueprint.post("/conferences")
@roles_required(ROLE_ADMIN)
def add():
    form = typed(FIELDS)
    try:
        room = conferences.add_room(my_domain(), form["number"], form["admin_pin"],
                                    form["user_pin"], form["name"])
    except ValidationError as error:
        flash_refusal(error)
        return index(form, 400)
    flash(_("Conference room %(number)s added.", number=room.number))
    return redirect(url_for(".index"))


@blueprint.get("/conferences/<int:room_id>")
@roles_required(ROLE_ADMIN)
def edit(room_id, form=None, status=200):
    room = _room(room_id)
    form = form or {field: getattr(room, field) for field in FIELDS}
    return render_template("conferences/edit.html", room=room, form=form,
                           members=_members(room)), status


@blueprint.post("/conferences/<int:room_id>")
@roles_required(ROLE_ADMIN)
def update(room_id):
    room, form = _room(room_id), typed(FIELDS)
    try:
        conferences.update_room(room, **form)
    except ValidationError as error:
        flash_refusal(error)
        return edit(room_id, form, 400)
    flash(_("Conference room %(number)s saved.", number=room.number))
    return redirect(url_for(".index"))


@blueprint.post("/conferences/<int:room_id>/delete")
@roles_required(ROLE_ADMIN)
def remove(room_id):
    room = _room(room_id)
    conferences.remove_room(room)
    flash(_("Conference room %(number)s removed.", number=room.number))
    return redirect(url_for(".index"))

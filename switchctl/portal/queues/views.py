"""The admin's call queues (manual §2.7): number, name, strategy and static agents."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from switchctl.models.logins import ROLE_ADMIN
from switchctl.portal.access import roles_required
from switchctl.portal.forms import flash_refusal, typed
from switchctl.portal.lookups import my_domain, or_404
from switchctl.services import ValidationError, queues
from switchctl.services.extensions import roster

blueprint = Blueprint("queues", __name__, template_folder="templates")
FIELDS = ("number", "name", "strategy", "hold_music", "max_wait_seconds",
          "timeout_destination", "agent_ring_seconds")
NEW_QUEUE = {"strategy": queues.DEFAULT_STRATEGY, "hold_music": queues.DEFAULT_HOLD_MUSIC,
             "max_wait_seconds": 0, "timeout_destination": "", "agent_ring_seconds": 20}
# mod_callcenter's strategies as a person reads them.
STRATEGY_LABELS = {
    "longest-idle-agent": _l("Longest idle agent first"),
    "ring-all": _l("Ring all agents at once"),
    "round-robin": _l("Round robin"),
    "top-down": _l("Top down (always from the first agent)"),
    "agent-with-least-talk-time": _l("Least talk time first"),
    "agent-with-fewest-calls": _l("Fewest calls first"),
    "sequentially-by-agent-order": _l("In agent order"),
    "random": _l("Random"),
    "ring-progressively": _l("Ring progressively (one more agent each time)"),
}


def _sent(form):
    """The form's values, less the queue settings a form did not send (an older page, a
    script): those keep their value (or the default for a new queue)."""
    return {field: value for field, value in form.items()
            if field in FIELDS[:3] or field in request.form}


def _queue(queue_id):
    return or_404(queues.find_queue(my_domain(), queue_id))


@blueprint.get("/queues")
@roles_required(ROLE_ADMIN)
def index(form=None, status=200):
    return render_template("queues/list.html", queues=queues.list_queues(my_domain()),
                           strategies=STRATEGY_LABELS,
                           form=form or NEW_QUEUE), status


@blueprint.post("/queues")
@roles_required(ROLE_ADMIN)
def add():
    form = typed(FIELDS)
    try:
        queue = queues.add_queue(my_domain(), **_sent(form))
    except ValidationError as error:
        flash_refusal(error)
        return index(form, 400)
    flash(_("Queue %(number)s added: now add its agents.", number=queue.number))
    return redirect(url_for(".edit", queue_id=queue.id))


@blueprint.get("/queues/<int:queue_id>")
@roles_required(ROLE_ADMIN)
def edit(queue_id, form=None, status=200):
    queue = _queue(queue_id)
    form = form or {field: getattr(queue, field) for field in FIELDS}
    return render_template("queues/edit.html", queue=queue, form=form,
                           strategies=STRATEGY_LABELS, agents=queues.agents(queue),
                           extensions=roster(current_user.principal.domain_name)), status


@blueprint.post("/queues/<int:queue_id>")
@roles_required(ROLE_ADMIN)
def update(queue_id):
    queue, form = _queue(queue_id), typed(FIELDS)
    try:
        queues.update_queue(queue, **_sent(form))
    except ValidationError as error:
        flash_refusal(error)
        return edit(queue_id, form, 400)
    flash(_("Queue %(number)s saved.", number=queue.number))
    return redirect(url_for(".index"))


@blueprint.post("/queues/<int:queue_id>/delete")
@roles_required(ROLE_ADMIN)
def remove(queue_id):
    queue = _queue(queue_id)
    queues.remove_queue(queue)
    flash(_("Queue %(number)s removed.", number=queue.number))
    return redirect(url_for(".index"))


@blueprint.post("/queues/<int:queue_id>/agents")
@roles_required(ROLE_ADMIN)
def add_agent(queue_id):
    kind = "dynamic" if request.form.get("kind") == "dynamic" else "static"
    return _agent_change(queue_id, lambda queue, number: queues.add_agent(queue, number, kind),
                         _("Extension %(number)s now answers this queue."))


@blueprint.post("/queues/<int:queue_id>/agents/delete")
@roles_required(ROLE_ADMIN)
def remove_agent(queue_id):
    return _agent_change(queue_id, queues.remove_agent,
                         _("Extension %(number)s no longer answers this queue."))


def _agent_change(queue_id, change, done):
    queue, number = _queue(queue_id), request.form.get("extension", "").strip()
    try:
        change(queue, number)
    except ValidationError as error:
        flash_refusal(error)
        return edit(queue_id, status=400)
    flash(done % {"number": number})
    return redirect(url_for(".edit", queue_id=queue.id))

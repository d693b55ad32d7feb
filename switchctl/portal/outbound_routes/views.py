"""The admin's outbound routes (a prefix, ``9`` by default, through a SIP gateway) and the
gateway list they choose from; the dialplan reads them on every call."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from switchctl.models.logins import ROLE_ADMIN
from switchctl.portal.access import roles_required
from switchctl.portal.forms import flash_refusal, typed
from switchctl.portal.lookups import my_domain, or_404
from switchctl.services import ValidationError
from switchctl.services import outbound_routes as routes

blueprint = Blueprint("outbound_routes", __name__, template_folder="templates")
FIELDS = ("prefix", "gateway")


def _route(route_id):
    return or_404(routes.find_route(my_domain(), route_id))


@blueprint.get("/outbound-routes")
@roles_required(ROLE_ADMIN)
def index(form=None, gateway="", status=200):
    domain = my_domain()
    return render_template("outbound_routes/list.html", routes=routes.list_routes(domain),
                           gateways=routes.gateways(domain), form=form or {},
                           gateway=gateway), status


@blueprint.post("/outbound-routes")
@roles_required(ROLE_ADMIN)
def add():
    form = typed(FIELDS)
    try:
        route = routes.add_route(my_domain(), form["prefix"], form["gateway"])
    except ValidationError as error:
        flash_refusal(error)
        return index(form, status=400)
    flash(_("Numbers dialled with %(prefix)s now leave through %(gateway)s.",
            prefix=route.prefix, gateway=route.gateway))
    return redirect(url_for(".index"))


@blueprint.get("/outbound-routes/<int:route_id>")
@roles_required(ROLE_ADMIN)
def edit(route_id, form=None, status=200):
    route = _route(route_id)
    form = form or {field: getattr(route, field) for field in FIELDS}
    return render_template("outbound_routes/edit.html", route=route, form=form,
                           gateways=routes.gateways(my_domain())), status


@blueprint.post("/outbound-routes/<int:route_id>")
@roles_required(ROLE_ADMIN)
def update(route_id):
    route, form = _route(route_id), typed(FIELDS)
    try:
        routes.update_route(route, **form)
    except ValidationError as error:
        flash_refusal(error)
        return edit(route_id, form, 400)
    flash(_("Numbers dialled with %(prefix)s now leave through %(gateway)s.",
            prefix=route.prefix, gateway=route.gateway))
    return redirect(url_for(".index"))


@blueprint.post("/outbound-routes/<int:route_id>/delete")
@roles_required(ROLE_ADMIN)
def remove(route_id):
    route = _route(route_id)
    routes.remove_route(route)
    flash(_("The route of prefix %(prefix)s is removed.", prefix=route.prefix))
    return redirect(url_for(".index"))


@blueprint.post("/outbound-routes/gateways")
@roles_required(ROLE_ADMIN)
def add_gateway():
    name = request.form.get("name", "").strip()
    try:
        routes.add_gateway(my_domain(), name)
    except ValidationError as error:
        flash_refusal(error)
        return index(gateway=name, status=400)
    flash(_("Gateway %(name)s added to the list.", name=name))
    return redirect(url_for(".index"))


@blueprint.post("/outbound-routes/gateways/delete")
@roles_required(ROLE_ADMIN)
def remove_gateway():
    name = request.form.get("name", "")
    try:
        routes.remove_gateway(my_domain(), name)
    except ValidationError as error:
        flash_refusal(error)
        return index(status=400)
    flash(_("Gateway %(name)s removed from the list.", name=name))
    return redirect(url_for(".index"))

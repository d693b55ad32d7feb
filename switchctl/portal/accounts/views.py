"""The admin's portal accounts (admins and operators): list, add, change the role,
reset the password, remove. Admins only; accounts are looked up within the admin's own
domain (another domain's id: 404). The domain keeps one admin at least, and an admin's
change to their own account (removal, becoming an operator) must be confirmed
(services.accounts). A generated password is shown once, in the POST's own answer."""

from flask import (Blueprint, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_user

from switchctl.models.logins import ROLE_ADMIN
from switchctl.passwords import generate_password
from switchctl.portal.access import roles_required
from switchctl.portal.forms import flash_refusal
from switchctl.portal.lookups import my_domain, or_404
from switchctl.portal.users import PortalUser
from switchctl.services import ValidationError
from switchctl.services import accounts as account_service
from switchctl.services import logins

blueprint = Blueprint("accounts", __name__, template_folder="templates")


def domain_account(domain, account_id):
    return or_404(account_service.account_in_domain(domain, account_id))


def acting_id():
    """The admin's own account id (admins are always accounts)."""
    return current_user.principal.record_id


@blueprint.get("/accounts")
@roles_required(ROLE_ADMIN)
def index():
    return _list_page(my_domain())


def _list_page(domain, typed=None, status=200):
    return render_template("accounts/list.html", accounts=account_service.list_accounts(domain),
                           me=acting_id(), typed=typed or {},
                           roles=account_service.ACCOUNT_ROLES), status


@blueprint.post("/accounts")
@roles_required(ROLE_ADMIN)
def add():
    domain = my_domain()
    form = request.form
    typed = form.get("password", "")
    password = typed or generate_password()
    try:
        account = logins.add_account(domain, form.get("username", "").strip(),
                                     form.get("role", ""), password)
    except ValidationError as error:
        flash_refusal(error)
        return _list_page(domain, {"username": form.get("username", ""),
                                   "role": form.get("role", "")}, 400)
    if typed:
        flash(_("Account %(name)s added.", name=account.username))
        return redirect(url_for("accounts.index"))
    return render_template("accounts/password.html", account=account, password=password,
                           created=True), 201


@blueprint.post("/accounts/<int:account_id>/role")
@roles_required(ROLE_ADMIN)
def role(account_id):
    domain = my_domain()
    account = domain_account(domain, account_id)
    try:
        account_service.set_role(account, request.form.get("role", ""), acting_id(),
                                 confirmed=request.form.get("confirm") == "1")
    except ValidationError as error:
        flash_refusal(error)
        return _list_page(domain, status=400)
    flash(_("%(name)s is now %(role)s.", name=account.username, role=role_label(account.role)))
    return redirect(url_for("accounts.index") if account.role == ROLE_ADMIN
                    or account.id != acting_id() else url_for("index"))


def role_label(name):
    return {"admin": _("admin"), "operator": _("operator")}.get(name, name)


@blueprint.post("/accounts/<int:account_id>/password")
@roles_required(ROLE_ADMIN)
def password(account_id):
    """A new password: the one typed, else a generated one shown once. The account's
    sessions end; an admin's own, but for this browser's, which goes on in a new one."""
    domain = my_domain()
    account = domain_account(domain, account_id)
    typed = request.form.get("password", "")
    new = typed or generate_password()
    try:
        account_service.set_account_password(account, new)
    except ValidationError as error:
        flash_refusal(error)
        return _list_page(domain, status=400)
    if account.id == acting_id():
        principal = logins.renewed(current_app.config["SECRET_KEY"], current_user.principal,
                                   account.password_hash)
        login_user(PortalUser(logins.open_session(principal)))
    if typed:
        flash(_("Password of %(name)s changed.", name=account.username))
        return redirect(url_for("accounts.index"))
    return render_template("accounts/password.html", account=account, password=new,
                           created=False)


@blueprint.route("/accounts/<int:account_id>/delete", methods=["GET", "POST"])
@roles_required(ROLE_ADMIN)
def delete(account_id):
    account = domain_account(my_domain(), account_id)
    own = account.id == acting_id()
    if request.method == "GET":
        return render_template("accounts/delete.html", account=account, own=own)
    try:
        account_service.remove_account(account, acting_id(),
                                       confirmed=request.form.get("confirm") == "1")
    except ValidationError as error:
        flash_refusal(error)
        return render_template("accounts/delete.html", account=account, own=own), 400
    flash(_("Account %(name)s removed.", name=account.username))
    return redirect(url_for("accounts.index"))

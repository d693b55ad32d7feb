"""Portal accounts of admins and operators: listing, role, password, removal.

An account is created with services.logins.add_account (the CLI's ``switchctl account add``
and the portal's page both call it). The domain always keeps one admin: the last one can be
neither removed nor made an operator. A change to an admin's own account (removing it,
making it an operator) must be confirmed as such, so no admin locks themselves out by a
slip of the mouse. A changed password or a removed account ends the account's sessions.
"""

from switchctl.models import PortalAccount, database
from switchctl.models.logins import ROLE_ADMIN, ROLES
from switchctl.passwords import hash_account_password
from switchctl.pool import run_hashing
from switchctl.services import ValidationError, one_in_domain, sessions
from switchctl.services.extensions import check_password

ACCOUNT_ROLES = ROLES[:2]  # admin, operator


def list_accounts(domain):
    """The domain's accounts by name (a handful: no paging)."""
    return list(PortalAccount.select(PortalAccount.id, PortalAccount.username,
                                     PortalAccount.role, PortalAccount.created,
                                     PortalAccount.totp_secret)
                .where(PortalAccount.domain == domain).order_by(PortalAccount.username))


def account_in_domain(domain, account_id):
    """Account ``account_id`` if it is one of ``domain``'s, else None."""
    return one_in_domain(PortalAccount, domain, id=account_id)


def find_account(domain, username):
    return one_in_domain(PortalAccount, domain, ValidationError(
        "there is no account %(name)s", {"name": username}), username=username)


def set_role(account, role, acting_id=None, confirmed=False):
    """Make ``account`` an admin or an operator. ``acting_id``: the account doing it (its
    own demotion needs ``confirmed``)."""
    if role not in ACCOUNT_ROLES:
        raise ValidationError("a role is admin or operator")
    if role == account.role:
        return account
    with database.atomic():
        if account.role == ROLE_ADMIN:
            _keep_an_admin(account, acting_id, confirmed)
        account.role = role
        account.save(only=[PortalAccount.role])
    return account


def set_account_password(account, password):
    """A new password (the strength rules of extensions' passwords); the account's
    sessions end. The new hash (also in ``account.password_hash``)."""
    check_password(password)
    return store_account_password(account, password)


def store_account_password(account, password):
    """Write ``password`` (already checked) as ``account``'s, hashed off the event loop,
    and end every session of the account in the same transaction; the new hash (also in
    ``account.password_hash``: the new sessions' fingerprint). The one write of an
    account's password: the accounts page and CLI (set_account_password) and the
    settings page (services.user_settings.change_account_password)."""
    hashed = run_hashing(hash_account_password, password)
    with database.atomic():
        PortalAccount.update(password_hash=hashed).where(
            PortalAccount.id == account.id).execute()
        sessions.end_for_accounts([account.id])
    account.password_hash = hashed
    return hashed


def remove_account(account, acting_id=None, confirmed=False):
    """Remove an account and end its sessions."""
    with database.atomic():
        if account.role == ROLE_ADMIN:
            _keep_an_admin(account, acting_id, confirmed)
        sessions.end_for_accounts([account.id])
        account.delete_instance()


def _keep_an_admin(account, acting_id, confirmed):
    """Refuse to take away the domain's last admin, or (unconfirmed) the acting admin."""
    admins = PortalAccount.select(PortalAccount.id).where(
        PortalAccount.domain == account.domain_id, PortalAccount.role == ROLE_ADMIN)
    if database.obj.for_update:
        # PostgreSQL: two admins demoting each other at once wait for one another here
        # (SQLite lets one writer through at a time anyway).
        admins = admins.for_update()
    if not [admin for admin in admins if admin.id != account.id]:
        raise ValidationError("%(name)s is the last admin: make another admin first",
                              {"name": account.username})
    if account.id == acting_id and not confirmed:
        raise ValidationError("this is your own account: tick the confirmation to go on")

"""Who may open what in the portal: every role and ownership check, in this one place.

The rule, checked on the server for every request:

- Every page but the login page needs a login; each view declares its roles with
  ``roles_required`` (or ``public``): nothing is open by omission.
- Every record a user opens or changes must be of the user's own domain.
- **extension** users (an extension's number and SIP password) touch only their own
  extension's records (its calls, voicemail, forwards, own contacts, ...): never another
  extension's, nor a record of the whole domain (a shared contact: the services' visibility
  rules decide what they may *see* of those, e.g. services/contacts).
- **operator** (the switchboard) and **admin** touch every record of their domain.
- Pages: the extension list with live states (``/extensions``) and its stream
  (``/events``) are open to all three roles, as on a commercial PBX (operators run their
  console from it); what a stream tells stays per user (incoming calls only for the
  user's own phones). A user's own pages (calls, voicemail, fax, forwarding, ...) are for
  extension users, whose records they show (an account has no extension of its own);
  operator pages (the shared phonebook) for operators and admins; admin pages for admins.

A refusal answers 403 with the portal's error page (and a warning in the log); a missing
login goes to the login page (``/events``: a plain 401).
"""

import functools
import logging

from flask import abort, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from switchctl.models.logins import ROLE_ADMIN, ROLE_EXTENSION, ROLE_OPERATOR, ROLES

log = logging.getLogger(__name__)
ANY_ROLE = ROLES
STAFF = (ROLE_ADMIN, ROLE_OPERATOR)
PUBLIC = "public"
PAGE_REFUSED = _l("This page is not open to your login.")
RECORD_REFUSED = _l("This record is not yours: your login may not open or change it.")


def roles_required(*roles):
    """A view for logged-in users of these roles only (``ANY_ROLE``, ``STAFF``, ...)."""
    unknown = set(roles) - set(ROLES)
    if not roles or unknown:
        raise ValueError(f"roles_required: expected roles of {ROLES}, got {roles}")

    def decorate(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if current_user.principal.role not in roles:
                refuse(PAGE_REFUSED, f"needs {'/'.join(roles)}")
            return view(*args, **kwargs)

        checked.access = frozenset(roles)
        return checked

    return decorate


def public(view):
    """A view open to anyone, logged in or not (the login page)."""
    view.access = PUBLIC
    return view


def access_of(view):
    """What a view declared: a set of roles, PUBLIC, or None when it declared nothing."""
    return getattr(view, "access", None)


def may_touch(principal, domain_name, extension_id):
    """The ownership rule: may ``principal`` open or change a record of ``domain_name``
    that belongs to extension ``extension_id`` (None: a record of the whole domain)?"""
    if domain_name != principal.domain_name:
        return False
    if principal.role in STAFF:
        return True
    return principal.role == ROLE_EXTENSION and extension_id is not None \
        and extension_id == principal.record_id


def require_owner(domain_name, extension_id):
    """Refuse (403) unless the logged-in user may touch that record (see ``may_touch``);
    call it in the view, once the record is loaded."""
    if not may_touch(current_user.principal, domain_name, extension_id):
        refuse(RECORD_REFUSED, f"a record of extension id {extension_id} in {domain_name}")


def refuse(message, reason):
    principal = current_user.principal
    log.warning("portal: %s (%s) refused at %s: %s", principal.name, principal.role,
                request.path, reason)
    abort(403, description=message)

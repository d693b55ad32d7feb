"""The records a view works on, found from the login (never from the request): the login's
own domain and an extension user's own extension, and any record looked up within them;
what is not found (another domain's id, or a record gone meanwhile) is a 404."""

from flask import abort
from flask_login import current_user

from switchctl.services import recordings
from switchctl.services.domains import find_domain


def or_404(record):
    """``record``, or a 404 when the lookup found nothing (None)."""
    if record is None:
        abort(404)
    return record


def my_domain():
    """The logged-in login's domain (404 should it be gone meanwhile)."""
    return or_404(find_domain(current_user.principal.domain_name))


def my_extension():
    """The logged-in extension user's extension (404 should it be gone meanwhile)."""
    principal = current_user.principal
    return or_404(recordings.extension_of(principal.domain_name, principal.record_id))

"""The header's links: every portal page a person goes to, in the CooVox manual's order,
each with the roles that may open it (the view checks again: this only hides links).
A link shows once its endpoint exists, so a page family adds its views, not a link."""

from flask import current_app
from flask_babel import lazy_gettext as _l

from switchctl.models.logins import ROLE_ADMIN, ROLE_EXTENSION, ROLES

OWN = (ROLE_EXTENSION,)
ADMIN = (ROLE_ADMIN,)

# (endpoint, label, roles): the everyday pages ...
PAGES = (
    ("extensions.index", _l("Extensions"), ROLES),
    ("contacts.index", _l("Contacts"), ROLES),
    ("call_records.index", _l("Call records"), OWN),
    ("voicemail.index", _l("Voicemail"), OWN),
    ("recordings.index", _l("Recordings"), OWN),
    ("fax.index", _l("Fax"), OWN),
    ("forwarding.index", _l("Call forwarding"), OWN),
    ("feature_codes.index", _l("Feature codes"), ROLES),
    ("settings.index", _l("Settings"), ROLES),
    ("dialer.index", _l("Web phone"), OWN),
)
# Links that open in the whole window, not in the web phone's frame.
WHOLE_WINDOW = frozenset({"dialer.index"})
# ... and the administration (a second row of the header).
ADMIN_PAGES = (
    ("extensions.manage", _l("Manage extensions"), ADMIN),
    ("departments.index", _l("Departments"), ADMIN),
    ("conferences.index", _l("Conference rooms"), ADMIN),
    ("queues.index", _l("Queues"), ADMIN),
    ("feature_codes.overrides", _l("Code overrides"), ADMIN),
    ("blacklist.index", _l("Blacklist"), ADMIN),
    ("fax.numbers", _l("Fax numbers"), ADMIN),
    ("fax.settings", _l("Fax settings"), ADMIN),
    ("outbound_routes.index", _l("Outbound routes"), ADMIN),
    ("accounts.index", _l("Portal accounts"), ADMIN),
)


def links(pages, role):
    """The (endpoint, label) of ``pages`` that exist and that ``role`` may open."""
    views = current_app.view_functions
    return [(endpoint, label) for endpoint, label, roles in pages
            if role in roles and endpoint in views]

"""A small demo office for a first look: five extensions in two departments."""

from switchctl.models import Extension, database
from switchctl.services.domains import set_portal_enabled
from switchctl.services.extensions import add_extension, set_portal_access

DEMO_EXTENSIONS = (
    ("101", "Reception", "Front desk"),
    ("102", "Alice Chen", "Sales"),
    ("103", "Bob Li", "Sales"),
    ("104", "Carol Wang", "Support"),
    ("105", "David Zhang", "Support"),
)


def seed_demo(domain):
    """Add the demo extensions unless the domain has extensions already.

    Returns ``[(number, name, password)]`` for the ones added: the passwords are
    generated and shown once. The demo opens the user portal to them.
    """
    with database.atomic():
        if Extension.select().where(Extension.domain == domain).exists():
            return []
        added = []
        for number, name, department in DEMO_EXTENSIONS:
            extension, password = add_extension(domain, number, name, department=department)
            added.append((extension.number, extension.name, password))
        set_portal_access(domain, [number for number, _, _ in added], True)
        set_portal_enabled(domain, True)
    return added

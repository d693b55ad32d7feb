"""A small demo office for a first look: five extensions in two departments."""

from switchctl.models import Extension, database
from switchctl.services.extensions import add_extension

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
    generated and shown once.
    """
    with database.atomic():
        if Extension.select().where(Extension.domain == domain).exists():
            return []
        added = []
        for number, name, department in DEMO_EXTENSIONS:
            extension, password = add_extension(domain, number, name, department=department)
            added.append((extension.number, extension.name, password))
    return added

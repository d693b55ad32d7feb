"""Business logic over the models: no Flask, no ESL objects."""


class ValidationError(ValueError):
    """Input that cannot be stored; the message is fit to show a user.

    Written as ``ValidationError("email %(email)s is not an address", {"email": value})``
    the message is a template the portal translates (its catalog holds every template the
    services raise this way: tests/test_portal_i18n.py) before filling in the values;
    ``str()`` is the English text."""

    def __init__(self, template, params=None):
        super().__init__(template, params)
        self.template, self.params = template, params or {}

    def __str__(self):
        return self.template % self.params if self.params else self.template

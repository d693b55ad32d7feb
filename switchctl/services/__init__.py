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


class Refusal(ValidationError):
    """A refusal the caller words itself by its ``reason`` (a constant of the service, e.g.
    user_settings.WRONG_PASSWORD); ``str()`` is the English ``message``."""

    def __init__(self, reason, message):
        super().__init__(reason, message)  # args: (reason, message)
        self.reason, self.template, self.params = reason, message, {}


def one_in_domain(model, domain, missing=None, **key):
    """The row of ``model`` in ``domain`` whose fields equal ``key`` (``id=7``,
    ``number="800"``): another domain's finds nothing. None when there is none, or
    ``missing`` (a ValidationError saying which is missing) raised."""
    found = model.get_or_none(model.domain == domain,
                              *(getattr(model, field) == value for field, value in key.items()))
    if found is None and missing is not None:
        raise missing
    return found

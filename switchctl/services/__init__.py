"""Business logic over the models: no Flask, no ESL objects."""


class ValidationError(ValueError):
    """Input that cannot be stored; the message is fit to show a user."""

"""The dialplan contexts switchctl serves.

- ``default``: calls from our own users (the directory's ``user_context``).
- ``public``: calls from outside (the trunk, unauthenticated).
- ``outcome``: a failed bridge transfers here with the number it tried.
"""

INTERNAL = "default"
PUBLIC = "public"
OUTCOME = "outcome"

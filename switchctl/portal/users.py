"""The portal's logged-in user, as flask-login wants it."""

import flask_login
from flask import current_app

from switchctl.services.logins import load_principal


class PortalUser(flask_login.UserMixin):
    def __init__(self, principal):
        self.principal = principal

    def get_id(self):
        return self.principal.session_id


def load_user(session_id):
    principal = load_principal(current_app.config["SECRET_KEY"], session_id)
    return None if principal is None else PortalUser(principal)

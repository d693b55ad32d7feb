"""The outbound routes pages (being built)."""

from flask import Blueprint

blueprint = Blueprint("outbound_routes", __name__, template_folder="templates")

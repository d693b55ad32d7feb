"""The forwarding pages (being built)."""

from flask import Blueprint

blueprint = Blueprint("forwarding", __name__, template_folder="templates")

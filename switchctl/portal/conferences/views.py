"""The conferences pages (being built)."""

from flask import Blueprint

blueprint = Blueprint("conferences", __name__, template_folder="templates")

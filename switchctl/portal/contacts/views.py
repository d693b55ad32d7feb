"""The contacts pages (being built)."""

from flask import Blueprint

blueprint = Blueprint("contacts", __name__, template_folder="templates")

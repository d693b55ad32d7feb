"""The blacklist pages (being built)."""

from flask import Blueprint

blueprint = Blueprint("blacklist", __name__, template_folder="templates")

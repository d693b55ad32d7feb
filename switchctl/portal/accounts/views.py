"""The accounts pages (being built)."""

from flask import Blueprint

blueprint = Blueprint("accounts", __name__, template_folder="templates")

"""The departments pages (being built)."""

from flask import Blueprint

blueprint = Blueprint("departments", __name__, template_folder="templates")

"""The settings pages (being built)."""

from flask import Blueprint

blueprint = Blueprint("settings", __name__, template_folder="templates")

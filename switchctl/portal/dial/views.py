"""The dial pages (being built)."""

from flask import Blueprint

blueprint = Blueprint("dial", __name__, template_folder="templates")

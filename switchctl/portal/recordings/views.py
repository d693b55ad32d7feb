"""The recordings pages (being built)."""

from flask import Blueprint

blueprint = Blueprint("recordings", __name__, template_folder="templates")

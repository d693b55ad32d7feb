"""The queues pages (being built)."""

from flask import Blueprint

blueprint = Blueprint("queues", __name__, template_folder="templates")

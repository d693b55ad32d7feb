"""The call records pages (being built)."""

from flask import Blueprint

blueprint = Blueprint("call_records", __name__, template_folder="templates")

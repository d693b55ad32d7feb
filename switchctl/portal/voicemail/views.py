"""The voicemail pages (being built)."""

from flask import Blueprint

blueprint = Blueprint("voicemail", __name__, template_folder="templates")

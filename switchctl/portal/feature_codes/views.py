"""The feature codes pages (being built)."""

from flask import Blueprint

blueprint = Blueprint("feature_codes", __name__, template_folder="templates")

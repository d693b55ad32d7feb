"""The media folder as the answers to the switch need it: where switchctl writes (to
make folders, to read back) and the same place as FreeSWITCH sees it (the paths put in
dialplan actions). The settings are those the switch-facing app was built with."""

from flask import current_app


def _settings():
    from switchctl.xml_curl.app import SETTINGS_KEY  # app imports the answers

    return current_app.config[SETTINGS_KEY]


def media_folder():
    return _settings().media_folder


def switch_path(relative):
    """``relative`` (under the media folder) as the switch sees it."""
    return f"{_settings().switch_media_folder}/{relative}"

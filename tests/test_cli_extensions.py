"""``switchctl extension set``, run in this process (``cli.main`` as the command runs it,
on the conftest office): the admin's extension page's edit
(services.extensions.update_extension) from the command line."""

from switchctl.models import Extension, PortalSession
from switchctl.services import sessions


def settings(number):
    extension = Extension.get(Extension.number == number)
    return (extension.name, extension.department.name if extension.department else None,
            extension.email, extension.enabled, extension.voicemail_enabled,
            extension.outbound_allowed, extension.may_monitor, extension.portal_enabled)


def test_set_changes_only_what_is_given(run):
    assert settings("101") == ("Alice", "Sales", "", True, True, True, False, False)
    assert run("extension", "set", "101", "--name", "Alice Li", "--voicemail", "off",
               "--monitor", "on", "--email", "alice@example.com") == "extension 101 saved\n"
    assert settings("101") == ("Alice Li", "Sales", "alice@example.com", True, False, True,
                               True, False)
    run("extension", "set", "101", "--department", "", "--outbound", "off", "--portal", "on")
    assert settings("101") == ("Alice Li", None, "alice@example.com", True, False, False,
                               True, True)
    run("department", "add", "Support")
    run("extension", "set", "102", "--department", "Support")
    assert settings("102")[1] == "Support"


def test_disabling_ends_the_extensions_portal_sessions(run, office):
    extension = Extension.get(Extension.number == "102")
    sessions.start(office.id, "fingerprint", extension_id=extension.id)
    run("extension", "set", "102", "--disabled")
    assert not Extension.get_by_id(extension.id).enabled
    assert not PortalSession.select().where(PortalSession.extension == extension.id).exists()
    run("extension", "set", "102", "--enabled")
    assert Extension.get_by_id(extension.id).enabled


def test_bad_input_is_one_line_and_changes_nothing(run):
    before = settings("101")
    assert run("extension", "set", "101", "--name", "A", "--department", "Nowhere",
               code=1) == "there is no department Nowhere"
    assert run("extension", "set", "101", "--email", "not an address", code=1).startswith(
        "email ")
    assert run("extension", "set", "199", "--name", "X", code=1) == "extension 199 does not exist"
    assert settings("101") == before
    assert "invalid choice: 'maybe'" in run("extension", "set", "101", "--voicemail", "maybe",
                                            code=2)
    assert "not allowed with argument" in run("extension", "set", "101", "--enabled",
                                              "--disabled", code=2)

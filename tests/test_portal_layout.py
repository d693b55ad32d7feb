"""The portal's house: each page family's templates in its own folder, collaborators in
``app.extensions``, the URLs as they were."""

from pathlib import Path

import pytest

from switchctl import portal
from switchctl.portal.context import PortalContext, portal_context
from switchctl.portal.throttle import LoginThrottle

pytestmark = pytest.mark.usefixtures("quick_hashes")  # account hashes: not what is tested


@pytest.fixture
def app(config, db):
    return portal.create_app(config)


def test_each_familys_templates_live_under_its_own_name(app):
    """Flask merges every blueprint's template folder into one namespace: a page kept
    under ``<family>/`` can never be shadowed by another family's page of the same name."""
    folders = {name: Path(blueprint.root_path, blueprint.template_folder)
               for name, blueprint in app.blueprints.items() if blueprint.template_folder}
    assert set(folders) == {family.__name__.rpartition(".")[2] for family in portal.FAMILIES}
    for name, folder in folders.items():
        pages = [path.relative_to(folder) for path in folder.rglob("*.html")]
        assert all(page.parts[0] == name for page in pages), (name, pages)


def test_collaborators_are_in_app_extensions_not_in_the_flask_settings(app, config):
    with app.app_context():
        context = portal_context()
    assert isinstance(context, PortalContext) and context.config == config
    assert context.live is None and isinstance(context.throttle, LoginThrottle)
    assert not {"SWITCHCTL", "LIVE", "LOGIN_THROTTLE"} & set(app.config)
    assert app.config["SECRET_KEY"] == "test-secret"


@pytest.mark.parametrize("path", ["/static/live.js", "/static/portal.css",
                                  "/static/favicon.svg"])
def test_the_shared_static_files_keep_their_urls(app, path):
    response = app.test_client().get(path)
    assert response.status_code == 200 and response.data
    response.close()

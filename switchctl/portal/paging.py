"""Paged lists: the page number a request asks for, and the links to its neighbours
(templates/macros.html ``pager``), keeping the rest of the query (a search) as it was."""

from flask import request, url_for

MAX_PAGE = 100_000


def page_number(name="page"):
    """The page the query string asks for: a whole number from 1, else 1 (bad input is
    not an error: the first page is shown)."""
    raw = request.args.get(name, "")
    return int(raw) if _whole(raw) and 0 < int(raw) <= MAX_PAGE else 1


def form_page(name="page"):
    """The page a list's form was sent from (its hidden ``page`` field), to go back to:
    None for the first page or bad input (the list's URL without ``?page=``)."""
    raw = request.form.get(name, "")
    return int(raw) if _whole(raw) and 1 < int(raw) <= MAX_PAGE else None


def _whole(raw):
    """ASCII digits, few enough for int(): "²" is isdigit() too, and so are 5,000 digits."""
    return raw.isascii() and raw.isdigit() and len(raw) <= 9


def page_url(number, name="page"):
    """This page's URL with the query string's page set to ``number``."""
    view_args = request.view_args or {}
    # The search's fields only: never url_for's own (endpoint, _external, _anchor, ...).
    args = {key: value for key, value in request.args.items()
            if not key.startswith("_") and key != "endpoint" and key not in view_args}
    args[name] = str(number)
    return url_for(request.endpoint, **view_args, **args)


def init_app(app):
    app.add_template_global(page_url)

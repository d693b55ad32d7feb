"""The ``freeswitch/xml`` document envelope, and the not-found answer."""

import copy

from lxml import etree


def document(section_name):
    """Return ``(root, section)`` of a new document for ``section_name``."""
    root = etree.Element("document", type="freeswitch/xml")
    section = etree.SubElement(root, "section", name=section_name)
    return root, section


def serialise(root):
    return etree.tostring(root, xml_declaration=False, encoding="utf-8")


def _not_found():
    root, section = document("result")
    etree.SubElement(section, "result", status="not found")
    return serialise(root)


# mod_xml_curl reads this as "no answer here" and falls back to the static files.
NOT_FOUND = _not_found()


def add_params(parent, tag, item_tag, pairs):
    """``<tag><item_tag name=.. value=../>...</tag>`` under ``parent``; returns it."""
    holder = etree.SubElement(parent, tag)
    for name, value in pairs:
        etree.SubElement(holder, item_tag, name=name, value=str(value))
    return holder


def param_list(tag, item_tag, names):
    """A ``<tag>`` of ``<item_tag name=.. value=""/>`` for ``names``: a template for
    ``fill``. Copying a built element and setting values is faster than building."""
    return add_params(etree.Element("holder"), tag, item_tag, [(n, "") for n in names])


def fill(template, values):
    """A copy of a ``param_list`` template with ``values`` set in order; items whose
    value is None are left out."""
    holder = copy.deepcopy(template)
    for item, value in zip(list(holder), values, strict=True):
        if value is None:
            holder.remove(item)
        else:
            item.set("value", value)
    return holder

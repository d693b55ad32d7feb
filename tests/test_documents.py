"""The answers are written as text: every value must come back out of an XML parser
exactly as it went in, and what XML cannot carry is refused."""

import pytest
from lxml import etree

from switchctl.xml_curl.documents import NOT_FOUND, attr, document, params


@pytest.mark.parametrize("value", [
    "plain", "", "a&b", "<tag>", 'say "hi"', "it's", "tab\there", "two\nlines", "cr\rhere",
    "&amp; already", "{^^:x=${y}}", "Zoë Müller", "王小明", "emoji 📞", 12345,
])
def test_a_value_comes_back_out_of_the_parser_as_it_went_in(value):
    parsed = etree.fromstring(document("x", f'<item value="{attr(value)}"/>'))
    assert parsed.find("section/item").get("value") == str(value)


@pytest.mark.parametrize("value", ["nul\x00", "bell\x07", "esc\x1b[0m", "\ufffe", "\ud800"])
def test_characters_xml_cannot_carry_are_refused(value):
    with pytest.raises(ValueError, match="cannot carry"):
        attr(value)


def test_params_leave_out_none_and_keep_order():
    holder = etree.fromstring(params("variables", "variable",
                                     (("a", "1"), ("b", None), ("c", "<3"))))
    assert [(v.get("name"), v.get("value")) for v in holder] == [("a", "1"), ("c", "<3")]


def test_not_found_is_the_document_mod_xml_curl_falls_back_on():
    root = etree.fromstring(NOT_FOUND)
    assert root.get("type") == "freeswitch/xml"
    assert root.find("section").get("name") == "result"
    assert root.find("section/result").get("status") == "not found"


@pytest.mark.parametrize("value", [None, b"bytes", 1.5, True])
def test_values_that_are_not_text_are_refused(value):
    with pytest.raises(TypeError):
        attr(value)

"""Posting to the switch-facing app and reading the XML it answers."""

import hashlib

from lxml import etree

from switchctl.xml_curl.app import XML_PATH


def post(client, body, **environ):
    response = client.post(XML_PATH, data=body, content_type="application/x-www-form-urlencoded",
                           environ_base=environ)
    return response


def parsed(response):
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    return etree.fromstring(response.data)


def is_not_found(root):
    return root.xpath("/document/section[@name='result']/result/@status") == ["not found"]


def digest_response(ha1, fields):
    """RFC 2617 qop=auth response computed from an HA1 and a sip_auth request's fields."""
    md5 = lambda text: hashlib.md5(text.encode()).hexdigest()  # noqa: E731
    ha2 = md5(f"{fields['sip_auth_method']}:{fields['sip_auth_uri']}")
    return md5(":".join([ha1, fields["sip_auth_nonce"], fields["sip_auth_nc"],
                         fields["sip_auth_cnonce"], fields["sip_auth_qop"], ha2]))

"""The form FreeSWITCH's mod_xml_curl POSTs, parsed exactly as it is sent.

The first five fields (hostname, section, tag_name, key_name, key_value) arrive raw;
every later one is %-encoded by FreeSWITCH's own encoder, which never writes ``+``
for a space. So the body is split and %-decoded here, never ``+``-decoded as a
browser form would be. A field sent twice keeps its first value.
"""

import dataclasses
from types import MappingProxyType
from urllib.parse import unquote


@dataclasses.dataclass(frozen=True)
class FsRequest:
    fields: MappingProxyType

    def get(self, name, default=""):
        return self.fields.get(name, default)

    @property
    def section(self):
        return self.get("section")

    @property
    def action(self):
        return self.get("action")

    @property
    def purpose(self):
        return self.get("purpose")

    @property
    def user(self):
        return self.get("user")

    @property
    def domain(self):
        return (self.get("domain") or self.get("key_value")).lower()

    @property
    def context(self):
        return self.get("Hunt-Context") or self.get("Caller-Context")

    @property
    def destination(self):
        return self.get("Hunt-Destination-Number") or self.get("Caller-Destination-Number")

    def variable(self, name, default=""):
        return self.get(f"variable_{name}", default)


def parse_pairs(body):
    """Every ``(key, value)`` of a raw xml_curl POST body (bytes), decoded, in order."""
    text = body.decode("utf-8", errors="replace")
    pairs = []
    for pair in text.split("&"):
        key, _, value = pair.partition("=")
        if key:
            pairs.append((unquote(key, errors="replace"), unquote(value, errors="replace")))
    return pairs


def parse_body(body):
    """Parse a raw xml_curl POST body (bytes) into an FsRequest."""
    fields = {}
    for key, value in parse_pairs(body):
        fields.setdefault(key, value)
    return FsRequest(MappingProxyType(fields))

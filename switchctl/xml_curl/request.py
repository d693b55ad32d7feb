"""The form FreeSWITCH's mod_xml_curl POSTs, parsed exactly as it is sent.

The first five fields (hostname, section, tag_name, key_name, key_value) arrive raw;
every later one is %-encoded by FreeSWITCH's own encoder, which never writes ``+``
for a space. So the body is split and %-decoded here, never ``+``-decoded as a
browser form would be. A field sent twice keeps its first value.
"""

from switchctl.freeswitch.encoding import percent_decode


class FsRequest:
    """The fields of one request, found in the body when first read.

    A dialplan request carries some 180 fields and a handler reads a handful:
    finding those few in the text costs a fraction of splitting all of them, and
    each is looked for once (the answer is kept). Field names are plain
    (FreeSWITCH's header and variable names); values are %-decoded. A repeated
    field keeps its first value.
    """

    __slots__ = ("_text", "_found")

    def __init__(self, text):
        self._text = "&" + text
        self._found = {}  # name -> value (None: absent); ("trusted", name) -> value

    def get(self, name, default=""):
        try:
            value = self._found[name]
        except KeyError:
            value = self._found[name] = self._value_at(self._text.find(f"&{name}="), name)
        return default if value is None else value

    def _value_at(self, start, name):
        """The decoded value of the field ``name`` found at ``start`` (None if -1)."""
        if start < 0:
            return None
        start += len(name) + 2
        end = self._text.find("&", start)
        return percent_decode(self._text[start:] if end < 0 else self._text[start:end])

    def trusted(self, name):
        """A field that must occur exactly once, or "" if it does not.

        FreeSWITCH posts variable *names* unencoded, and a Verto client may set
        variables of any name: a name like ``x&variable_user_name=101&y`` would
        plant a second ``variable_user_name``. Identity is read only from fields
        that are not repeated."""
        try:
            return self._found[("trusted", name)]
        except KeyError:
            pass
        first = self._text.find(f"&{name}=")
        if first < 0 or self.repeated(name):
            value = ""
        else:
            value = self._found[name] = self._value_at(first, name)
        self._found[("trusted", name)] = value
        return value

    def memo(self, name, compute):
        """``compute()``, worked out once for this request (kept with its fields)."""
        key = ("memo", name)
        try:
            return self._found[key]
        except KeyError:
            value = self._found[key] = compute()
            return value

    def planted(self, *names):
        """Is any of these fields (each sent once by the switch) absent or repeated? A
        repeat means a variable name carrying ``&<name>=`` was planted (see trusted)."""
        return any(self._text.count(f"&{name}=") != 1 for name in names)

    def repeated(self, name):
        """Is the field ``name`` sent more than once (a second one planted)?"""
        key = f"&{name}="
        first = self._text.find(key)
        return first >= 0 and self._text.find(key, first + 1) >= 0

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
        """The context hunted now (fields sent once: a planted second one counts as none,
        and the request then finds no context)."""
        return self._routing("Hunt-Context", "Caller-Context")

    @property
    def destination(self):
        return self._routing("Hunt-Destination-Number", "Caller-Destination-Number")

    def _routing(self, hunt, caller):
        if f"&{hunt}=" in self._text:
            return self.trusted(hunt)
        return self.trusted(caller)

    @property
    def caller_number(self):
        return self.get("Hunt-Caller-ID-Number") or self.get("Caller-Caller-ID-Number")

    def variable(self, name, default=""):
        return self.get(f"variable_{name}", default)

    def trusted_variable(self, name):
        return self.trusted(f"variable_{name}")


def parse_pairs(body):
    """Every ``(key, value)`` of a raw xml_curl POST body (bytes), decoded, in order."""
    return [(percent_decode(key), percent_decode(value)) for key, value in _split(body)]


def parse_body(body):
    """The FsRequest of a raw xml_curl POST body (bytes)."""
    return FsRequest(body.decode("utf-8", errors="replace"))


def _split(body):
    text = body.decode("utf-8", errors="replace")
    return [(key, value) for key, _, value in (pair.partition("=") for pair in text.split("&"))
            if key]

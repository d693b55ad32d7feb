"""Real bytes captured from FreeSWITCH 1.10.12 (tests/data/freeswitch, see its README)."""

from pathlib import Path
from urllib.parse import quote

DATA = Path(__file__).resolve().parents[1] / "data" / "freeswitch"
FS_DOMAIN = "127.0.0.1"  # the captures' domain: vanilla vars.xml sets domain to the IP
FS_PASSWORD = "1234"  # the vanilla users' password in the captures


def payload(relative):
    """A capture file's exact payload: everything after its one comment line."""
    raw = (DATA / relative).read_bytes()
    assert raw.startswith(b"# "), relative
    return raw[raw.index(b"\n") + 1:]


def xml_curl_body(name, **overrides):
    """The raw POST body of ``xml_curl/<name>.body.txt`` with some fields replaced.

    Replaced values are %-encoded as FreeSWITCH encodes them; every other byte
    stays as captured.
    """
    pairs = payload(f"xml_curl/{name}.body.txt").rstrip(b"\n").split(b"&")
    out = []
    for pair in pairs:
        key = pair.split(b"=", 1)[0].decode()
        if key in overrides:
            pair = f"{key}={quote(str(overrides.pop(key)), safe='')}".encode()
        out.append(pair)
    out += [f"{k}={quote(str(v), safe='')}".encode() for k, v in overrides.items()]
    return b"&".join(out)


def fields(name):
    """Decoded fields of ``xml_curl/<name>.fields.txt`` as a dict (first value wins)."""
    result = {}
    for line in payload(f"xml_curl/{name}.fields.txt").decode().splitlines():
        key, sep, value = line.partition("=")
        if sep and key not in result:
            result[key] = value
    return result

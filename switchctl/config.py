"""Settings from the environment (and optionally an INI file), with safe defaults.

Every setting has an environment variable ``SWITCHCTL_<NAME>``; a file named by
``SWITCHCTL_CONFIG`` may hold the same names (lower case) in a ``[switchctl]``
section. The environment wins over the file, the file over the defaults.
"""

import configparser
import dataclasses
import ipaddress
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

SECRET_FIELDS = frozenset({"esl_password", "http_credentials", "secret_key"})
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(ValueError):
    """A setting has a value that cannot be used."""


@dataclasses.dataclass(frozen=True)
class HostPort:
    host: str
    port: int

    def __str__(self):
        return f"{self.host}:{self.port}"


@dataclasses.dataclass(frozen=True)
class Config:
    data: Path
    database: str
    http: HostPort
    esl: HostPort
    esl_password: str
    outbound: HostPort
    domain: str
    xml_curl_allow: tuple
    http_credentials: str
    secret_key: str
    log_level: str
    portal_proxies: int = 0
    portal_secure_cookies: bool = False  # True: Secure even on a plain-HTTP request
    switch_http: HostPort | None = None  # None: the switch's endpoints share ``http``
    cdr_spool: Path | None = None  # FreeSWITCH's err-log-dir, imported by serve; None: not
    media: Path | None = None  # voicemail, greetings, recordings; None: data/media
    switch_media: str = ""  # the media folder as FreeSWITCH sees it; "": the same path
    smtp_url: str = ""  # smtp://, smtp+starttls:// or smtps://[user:password@]host[:port]
    smtp_from: str = ""  # the From of voicemail emails; "": switchctl@<domain>
    header_seconds: int = 10  # a client's request line and headers must come within this
    # Where browsers reach FreeSWITCH's mod_verto (ws:// or wss://); "": the portal's own
    # host name, ws on 8081 for an http page, wss on 8082 for an https one (verto.conf).
    verto_url: str = ""
    # HTTPS for the portal (switchctl.certificates): auto = when it listens beyond loopback.
    portal_https: str = "auto"
    portal_certificate: str = ""  # PEM files; "": a self-signed pair made in <data>/tls/
    portal_key: str = ""

    def __repr__(self):
        shown = {
            f.name: ("***" if f.name in SECRET_FIELDS and getattr(self, f.name) else
                     getattr(self, f.name))
            for f in dataclasses.fields(self)
        }
        shown["database"] = _without_password(self.database)
        shown["smtp_url"] = _without_password(self.smtp_url)
        return f"Config({shown})"

    def with_changes(self, **changes):
        return dataclasses.replace(self, **changes)

    @property
    def media_folder(self):
        """Where switchctl reads and writes media files."""
        return self.media or self.data / "media"

    @property
    def switch_media_folder(self):
        """The same folder as FreeSWITCH sees it (paths in commands sent to the switch)."""
        return self.switch_media or str(self.media_folder.resolve())

    @property
    def switch_address(self):
        """Where FreeSWITCH's endpoints (/xml_curl, /cdr, /status) are served."""
        return self.switch_http or self.http


DEFAULTS = {
    "data": "data",
    "database": "",
    "http": "127.0.0.1:8080",
    "esl": "127.0.0.1:8021",
    "esl_password": "ClueCon",
    "outbound": "127.0.0.1:8084",
    "domain": "pbx.local",
    "xml_curl_allow": "127.0.0.0/8,::1/128",
    "http_credentials": "",
    "secret_key": "",
    "log_level": "INFO",
    "portal_proxies": "0",
    "portal_secure_cookies": "0",
    # The switch's endpoints on a port of their own: nothing done to the portal's port (idle
    # connections, streams) can hold up FreeSWITCH's lookups. Empty: they share ``http``.
    "switch_http": "127.0.0.1:8085",
    "cdr_spool": "",
    "media": "",
    "switch_media": "",
    "smtp_url": "",
    "smtp_from": "",
    "header_seconds": "10",
    "verto_url": "",
    "portal_https": "auto",
    "portal_certificate": "",
    "portal_key": "",
}


def load(environ=None):
    """Build the Config from ``environ`` (default ``os.environ``)."""
    environ = os.environ if environ is None else environ
    raw = dict(DEFAULTS)
    raw.update(_read_file(environ.get("SWITCHCTL_CONFIG", "")))
    for name in DEFAULTS:
        value = environ.get(f"SWITCHCTL_{name.upper()}")
        if value is not None:
            raw[name] = value
    return _build(raw)


def _read_file(path):
    if not path:
        return {}
    parser = configparser.ConfigParser(interpolation=None)
    if not parser.read(path, encoding="utf-8"):
        raise ConfigError(f"config file {path} cannot be read")
    if not parser.has_section("switchctl"):
        raise ConfigError(f"config file {path} has no [switchctl] section")
    unknown = set(parser["switchctl"]) - set(DEFAULTS)
    if unknown:
        raise ConfigError(f"config file {path}: unknown settings {', '.join(sorted(unknown))}")
    return dict(parser["switchctl"])


def _build(raw):
    data = Path(raw["data"]).expanduser()
    config = Config(
        data=data,
        database=_database(raw["database"], data),
        http=parse_host_port(raw["http"], "http"),
        esl=parse_host_port(raw["esl"], "esl"),
        esl_password=raw["esl_password"],
        outbound=parse_host_port(raw["outbound"], "outbound"),
        domain=_domain(raw["domain"]),
        xml_curl_allow=_networks(raw["xml_curl_allow"]),
        http_credentials=_credentials(raw["http_credentials"]),
        secret_key=raw["secret_key"],
        log_level=_log_level(raw["log_level"]),
        portal_proxies=_proxies(raw["portal_proxies"]),
        portal_secure_cookies=_switch(raw["portal_secure_cookies"], "portal_secure_cookies"),
        switch_http=parse_host_port(raw["switch_http"], "switch_http")
        if raw["switch_http"].strip() else None,
        cdr_spool=Path(raw["cdr_spool"]).expanduser() if raw["cdr_spool"].strip() else None,
        media=Path(raw["media"]).expanduser() if raw["media"].strip() else None,
        switch_media=raw["switch_media"].strip().rstrip("/"),
        smtp_url=_smtp_url(raw["smtp_url"].strip()),
        smtp_from=raw["smtp_from"].strip(),
        header_seconds=_header_seconds(raw["header_seconds"]),
        verto_url=_verto_url(raw["verto_url"].strip()),
        portal_https=_https(raw["portal_https"]),
        portal_certificate=raw["portal_certificate"].strip(),
        portal_key=raw["portal_key"].strip(),
    )
    if bool(config.portal_certificate) != bool(config.portal_key):
        raise ConfigError("portal_certificate and portal_key: set both (PEM files) or neither "
                          "(a self-signed certificate is made)")
    if config.switch_http is not None and _same_socket(config.switch_http, config.http):
        raise ConfigError(f"switch_http {config.switch_http} uses the port of http "
                          f"{config.http}: give it a port of its own, or leave it empty")
    return config


def _without_password(url):
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)).geturl()


def _same_socket(first, second):
    """Would the two addresses collide when both are bound (same port, same or any host)?"""
    anywhere = {"0.0.0.0", "::", ""}
    return first.port == second.port and (
        first.host == second.host or first.host in anywhere or second.host in anywhere)


def whole_number(text):
    """The number ``text`` writes in ASCII digits, or None: ``int`` would also read other
    scripts' digits ('\u0663' is 3) and fail on superscripts ('\u00b2' is a digit to isdigit)."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        return None
    return int(text)


def parse_host_port(text, name):
    host, sep, port = text.rpartition(":")
    number = whole_number(port)
    if not sep or not host or number is None or number > 65535:
        raise ConfigError(f"{name}: expected HOST:PORT, got {text!r}")
    return HostPort(host.strip("[]"), number)


def _database(url, data):
    """``url`` once the port it names (if any) is a number from 0 to 65535; empty: the
    SQLite file in ``data``."""
    try:
        urlsplit(url).port
    except ValueError as exc:
        raise ConfigError(f"database: {exc}") from None
    return url or f"sqlite:///{(data / 'switchctl.sqlite3').resolve()}"


# The smtp_url schemes and the port each uses when the URL names none.
SMTP_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
SMTP_SCHEMES = tuple(SMTP_PORTS)


def _smtp_url(url):
    """``url`` once it names one of SMTP_SCHEMES, a host and a numeric port (if any)."""
    if not url:
        return url
    parts = urlsplit(url)
    try:
        parts.port
    except ValueError as exc:
        raise ConfigError(f"smtp_url: {exc}") from None
    if parts.scheme not in SMTP_SCHEMES or not parts.hostname:
        raise ConfigError(f"smtp_url: expected {', '.join(s + '://' for s in SMTP_SCHEMES)}"
                          f"[user:password@]host[:port], got {_without_password(url)!r}")
    return url


def _log_level(text):
    level = text.strip().upper()
    if not text.isascii() or level not in LOG_LEVELS:
        raise ConfigError(f"log_level: expected one of {', '.join(LOG_LEVELS)}, got {text!r}")
    return level


def _domain(text):
    name = text.strip().lower()
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789.-")
    if not name or not set(name) <= allowed:
        raise ConfigError(f"domain: {text!r} is not a valid SIP domain name")
    return name


def _networks(text):
    try:
        return tuple(ipaddress.ip_network(part.strip()) for part in text.split(",") if part.strip())
    except ValueError as exc:
        raise ConfigError(f"xml_curl_allow: {exc}") from None


def _proxies(text):
    number = whole_number(text)
    if number is None or number > 5:
        raise ConfigError(f"portal_proxies: expected a number of proxies from 0 to 5, "
                          f"got {text!r}")
    return number


def _header_seconds(text):
    number = whole_number(text)
    if number is None or not 1 <= number <= 300:
        raise ConfigError(f"header_seconds: expected a number of seconds from 1 to 300, "
                          f"got {text!r}")
    return number


def _https(text):
    value = text.strip().lower()
    if value not in ("auto", "0", "1"):
        raise ConfigError(f"portal_https: expected auto, 1 (on) or 0 (off), got {text!r}")
    return value


def _verto_url(text):
    if not text:
        return ""
    parts = urlsplit(text)
    if parts.scheme not in ("ws", "wss") or not parts.hostname or parts.query or \
            parts.fragment or parts.username or parts.password is not None:
        raise ConfigError(f"verto_url: expected ws://HOST[:PORT][/PATH] or "
                          f"wss://HOST[:PORT][/PATH], got {text!r}")
    try:
        parts.port
    except ValueError:
        raise ConfigError(f"verto_url: {text!r} has no valid port") from None
    return text


def _switch(text, name):
    value = text.strip().lower()
    if value not in ("0", "1"):
        raise ConfigError(f"{name}: expected 1 (on) or 0 (off), got {text!r}")
    return value == "1"


def _credentials(text):
    if text and ":" not in text:
        raise ConfigError("http_credentials: expected USER:PASSWORD")
    return text


def secret_key(config):
    """The session-signing key: the configured one, else one kept in the data folder."""
    if config.secret_key:
        return config.secret_key
    path = config.data / "secret_key"
    config.data.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text().strip()

"""The directory section: users for SIP auth, ``user/`` bridges, verto logins.

Users carry ``a1-hash`` (the digest HA1 for realm = domain) instead of a clear
password. Nothing is marked ``cacheable``: a changed password applies at once (and a
Verto login's answer never serves a SIP lookup, nor the other way round).

A Verto login (``action=jsonrpc-authenticate``) is answered apart: mod_verto sends the
password the browser gave (``user_supplied_pass``, as verto.conf's send-auth-password
asks), which must be a current dialer credential of that user (services.dialer); the
user then carries that credential as its ``jsonrpc-password`` and no SIP secret, so
the SIP password never logs in over Verto. Anything else gets the user with no password
at all, which mod_verto refuses ("Authentication Failure") with no other lookup. A
browser may add fields of its own to this request (loginParams), sent before the
switch's: the action, user, domain and password count only when each is sent once.
"""

import logging

from switchctl.services import dialer
from switchctl.services.domains import domain_record
from switchctl.services.extensions import lookup_user
from switchctl.xml_curl.documents import NOT_FOUND, attr, document, params

log = logging.getLogger(__name__)

# Ring every SIP registration of the user and every verto (browser) session at once.
DIAL_STRING = (
    "{^^:sip_invite_domain=${dialed_domain}:presence_id=${dialed_user}@${dialed_domain}}"
    "${sofia_contact(*/${dialed_user}@${dialed_domain})},"
    "${verto_contact(${dialed_user}@${dialed_domain})}"
)
DOMAIN_PARAMS = (
    ("dial-string", DIAL_STRING),
    # Every verto.* method (calls), and no event channel: the dialer subscribes to
    # none, and "presence" would show a browser every extension's calls.
    ("jsonrpc-allowed-methods", "verto"),
)
DOMAIN_VARIABLES = (("record_stereo", "true"),)
USER_CONTEXT = "default"
# Lookups we never answer with a user: ESL user logins, and reverse auth (needs a
# clear password we do not keep).
REFUSED_ACTIONS = frozenset({"event_socket_auth", "reverse-auth-lookup"})
VERTO_LOGIN = "jsonrpc-authenticate"
VERTO_LOGIN_FIELDS = ("action", "user", "domain", "user_supplied_pass")
# Startup scans of the directory; our gateways and ACLs live in the static files.
STATIC_PURPOSES = frozenset({"gateways", "network-list"})


def answer(request):
    """Bytes of the directory document that answers ``request``."""
    if request.purpose in STATIC_PURPOSES or request.action in REFUSED_ACTIONS:
        return NOT_FOUND
    if request.action == VERTO_LOGIN or request.repeated("action"):
        return _verto_login(request)
    if request.user:
        return _user_document(request)
    if request.get("tag_name") == "domain" and request.domain:
        domain = domain_record(request.domain)
        return NOT_FOUND if domain is None else document("directory", domain_xml(domain.name))
    return NOT_FOUND


def _user_document(request):
    extension = lookup_user(request.domain, request.user)
    if extension is None:
        log.info("directory: no user %s@%s (%s)", request.user, request.domain,
                 request.action or "lookup")
        return NOT_FOUND
    realm = request.get("sip_auth_realm")
    if realm and realm.lower() != request.domain:
        log.warning("directory: %s@%s challenged with realm %r; a1-hash needs realm = domain "
                    "(set challenge-realm in the SIP profile)", request.user, request.domain, realm)
    return document("directory", domain_xml(extension.domain_name, user_xml(extension)))


def _verto_login(request):
    if any(request.repeated(name) for name in VERTO_LOGIN_FIELDS):
        log.warning("directory: a Verto login with fields sent twice (the browser's "
                    "loginParams?): refused")
        return NOT_FOUND
    number, domain, supplied = request.user, request.get("domain"), \
        request.get("user_supplied_pass")
    if not number or not domain:
        return NOT_FOUND
    extension = lookup_user(domain.lower(), number)
    if extension is None:
        log.info("directory: Verto login for no user %s@%s", number, domain)
        return NOT_FOUND
    granted = dialer.redeem(extension.domain_name, extension.number, supplied)
    if not granted:
        log.warning("directory: Verto login for %s@%s without a current dialer credential: "
                    "refused", extension.number, extension.domain_name)
    return document("directory", domain_xml(extension.domain_name, user_xml(
        extension, verto_password=supplied if granted else None)))


# The same for every domain: written once.
_DOMAIN_SETTINGS = (params("params", "param", DOMAIN_PARAMS)
                    + params("variables", "variable", DOMAIN_VARIABLES))


def domain_xml(name, users=""):
    """``<domain>`` with its params and variables, and ``users`` (XML text)."""
    return f'<domain name="{attr(name)}">{_DOMAIN_SETTINGS}<users>{users}</users></domain>'


def user_xml(extension, verto_password=""):
    """``<user>`` with the params and variables FreeSWITCH reads (``callgroup`` only for
    a department member). For a Verto login (``verto_password`` not ""): the credential
    as ``jsonrpc-password`` instead of the SIP HA1, or no password at all (None)."""
    secret = ("a1-hash", extension.sip_ha1) if verto_password == "" else \
        ("jsonrpc-password", verto_password)
    return (f'<user id="{attr(extension.number)}">' + params("params", "param", (
        secret,
        ("vm-enabled", "true" if extension.voicemail_enabled else "false"),
    )) + params("variables", "variable", (
        ("user_context", USER_CONTEXT),
        ("effective_caller_id_name", extension.name),
        ("effective_caller_id_number", extension.number),
        ("accountcode", extension.number),
        ("toll_allow", "outbound" if extension.outbound_allowed else ""),
        ("callgroup", extension.department_name or None),
    )) + "</user>")

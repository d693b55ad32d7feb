"""The directory section: users for SIP auth, ``user/`` bridges, verto logins.

Users carry ``a1-hash`` (the digest HA1 for realm = domain) instead of a clear
password. Nothing is marked ``cacheable``: a changed password applies at once.
"""

import logging

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
    ("jsonrpc-allowed-methods", "verto"),
    ("jsonrpc-allowed-event-channels", "demo,conference,presence"),
)
DOMAIN_VARIABLES = (("record_stereo", "true"),)
USER_CONTEXT = "default"
# Lookups we never answer with a user: ESL user logins, and reverse auth (needs a
# clear password we do not keep).
REFUSED_ACTIONS = frozenset({"event_socket_auth", "reverse-auth-lookup"})
# Startup scans of the directory; our gateways and ACLs live in the static files.
STATIC_PURPOSES = frozenset({"gateways", "network-list"})


def answer(request):
    """Bytes of the directory document that answers ``request``."""
    if request.purpose in STATIC_PURPOSES or request.action in REFUSED_ACTIONS:
        return NOT_FOUND
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


# The same for every domain: written once.
_DOMAIN_SETTINGS = (params("params", "param", DOMAIN_PARAMS)
                    + params("variables", "variable", DOMAIN_VARIABLES))


def domain_xml(name, users=""):
    """``<domain>`` with its params and variables, and ``users`` (XML text)."""
    return f'<domain name="{attr(name)}">{_DOMAIN_SETTINGS}<users>{users}</users></domain>'


def user_xml(extension):
    """``<user>`` with the params and variables FreeSWITCH reads (``callgroup`` only for
    a department member)."""
    return (f'<user id="{attr(extension.number)}">' + params("params", "param", (
        ("a1-hash", extension.sip_ha1),
        ("vm-enabled", "true" if extension.voicemail_enabled else "false"),
    )) + params("variables", "variable", (
        ("user_context", USER_CONTEXT),
        ("effective_caller_id_name", extension.name),
        ("effective_caller_id_number", extension.number),
        ("accountcode", extension.number),
        ("toll_allow", "outbound" if extension.outbound_allowed else ""),
        ("callgroup", extension.department_name or None),
    )) + "</user>")

"""The directory section: users for SIP auth, ``user/`` bridges, verto logins.

Users carry ``a1-hash`` (the digest HA1 for realm = domain) instead of a clear
password. Nothing is marked ``cacheable``: a changed password applies at once.
"""

import copy
import logging

from lxml import etree

from switchctl.services.extensions import lookup_user
from switchctl.services.domains import domain_record
from switchctl.xml_curl.documents import (
    NOT_FOUND,
    add_params,
    document,
    fill,
    param_list,
    serialise,
)

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
        return NOT_FOUND if domain is None else serialise(domain_element(domain.name)[0])
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
    root, users = domain_element(extension.domain_name)
    users.append(user_element(extension))
    return serialise(root)


def domain_element(name):
    """``(root, users)``: a directory document holding one domain with its params."""
    root, section = document("directory")
    domain = copy.deepcopy(_DOMAIN_TEMPLATE)
    domain.set("name", name)
    section.append(domain)
    return root, etree.SubElement(domain, "users")


def _domain_template():
    domain = etree.Element("domain")
    add_params(domain, "params", "param", DOMAIN_PARAMS)
    add_params(domain, "variables", "variable", DOMAIN_VARIABLES)
    return domain


# The same for every domain: built once, copied into each answer.
_DOMAIN_TEMPLATE = _domain_template()


USER_PARAMS = param_list("params", "param", ("a1-hash", "vm-enabled"))
USER_VARIABLES = param_list("variables", "variable", (
    "user_context", "effective_caller_id_name", "effective_caller_id_number", "accountcode",
    "toll_allow", "callgroup"))


def user_element(extension):
    """``<user>`` with the params and variables FreeSWITCH reads (in the order of
    USER_PARAMS and USER_VARIABLES; ``callgroup`` only for a department member)."""
    user = etree.Element("user", id=extension.number)
    user.append(fill(USER_PARAMS, (
        extension.sip_ha1,
        "true" if extension.voicemail_enabled else "false",
    )))
    user.append(fill(USER_VARIABLES, (
        USER_CONTEXT,
        extension.name,
        extension.number,
        extension.number,
        "outbound" if extension.outbound_allowed else "",
        extension.department_name or None,
    )))
    return user

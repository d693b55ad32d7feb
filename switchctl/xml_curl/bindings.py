"""The bindings that make in-call codes work (manual §2.3, §2.4, §2.8, §2.12).

Before a bridge, the dialplan binds every in-call code of the domain with mod_dptools'
``bind_digit_action``: on the calling leg for its own keys when the caller is one of our
users (``self``: routing adds them where our users' calls are routed), and for the keys
of the leg it rings when that is one of our phones (``peer``). A code pressed runs, on the
leg that pressed it, ``execute_extension <feature key> XML in_call`` in a thread of its
own while the other party is held: a dialplan request to us (xml_curl/in_call.py).

Why ``bind_digit_action`` rather than ``bind_meta_app``: a meta app takes one key after
``*``, and the manual's codes are longer (``*4#``) or take a number (``#<number>``,
``*2<number>``); the digit machine matches whole strings and regular expressions, and its
``exec`` runs a dialplan extension, so every decision (who may transfer where) is taken
by the code that routes every other call. A code with a number matches a regular
expression, which the digit machine settles only after the digit timeout
(``DIGIT_TIMEOUT_MS`` without a key); codes without one are marked ``P`` (priority) and
act at their last key. The cost: while a regular expression is bound, a key that starts
no code reaches the other party only after that timeout.
"""

import contextlib
import contextvars
import re

from switchctl.freeswitch import contexts
from switchctl.services.feature_codes import ARG_NONE, FEATURES, domain_codes
from switchctl.xml_curl.actions import multiset

REALM = "switchctl"
DIGIT_TIMEOUT_MS = 2000
IN_CALL_FEATURES = tuple(feature for feature in FEATURES if feature.in_call)
_REQUEST_CODES = contextvars.ContextVar("switchctl_request_codes", default=None)


@contextlib.contextmanager
def one_request():
    """Within it, each domain's codes are read once: an answer binding both sides of a
    call (and a forward ringing on) costs one query, not one per side."""
    token = _REQUEST_CODES.set({})
    try:
        yield
    finally:
        _REQUEST_CODES.reset(token)


def codes_of(domain_id):
    """``{key: code}`` of the domain (services.feature_codes.domain_codes), read once per
    ``one_request``."""
    memo = _REQUEST_CODES.get()
    if memo is None:
        return domain_codes(domain_id)
    if domain_id not in memo:
        memo[domain_id] = domain_codes(domain_id)
    return memo[domain_id]


def binding_pattern(feature, code, side="self"):
    """What the digit machine matches for ``feature`` dialled with ``code``: the code
    itself, or for a code with a number a regular expression (no commas: they separate
    bind_digit_action's fields). On the peer side every code is a regular expression: the
    real switch never runs a code matched whole on the peer's digit machine (it would be
    matched in the other leg's thread as it relays the key; one settled at the digit
    timeout, in the calling leg's own thread, runs), so the leg rung acts on ``*1``, ``*0``
    and ``*4#`` DIGIT_TIMEOUT_MS after its last key."""
    if feature.argument != ARG_NONE:
        return f"~^{re.escape(code)}\\+?\\d\\d+#?$"
    return f"~^{re.escape(code)}$" if side == "peer" else code


def priority(feature, side):
    """``[P]`` (act at the last key) for a whole code on the self side, else nothing."""
    return "[P]" if feature.argument == ARG_NONE and side == "self" else ""


def bindings(domain_id, self_side=False, peer_side=False):
    """The actions binding the domain's in-call codes before a bridge: ``self_side`` for
    the keys of the leg running the dialplan, ``peer_side`` for those of the leg it rings.
    Each side's bindings are cleared first, so a call forwarded on binds them once."""
    codes = codes_of(domain_id)
    actions = [multiset(bind_digit_digit_timeout=DIGIT_TIMEOUT_MS)]
    for side, wanted in (("self", self_side), ("peer", peer_side)):
        if not wanted:
            continue
        actions.append(("clear_digit_action", f"{REALM},{side}"))
        for feature in IN_CALL_FEATURES:
            pattern = binding_pattern(feature, codes[feature.key], side)
            actions.append(("bind_digit_action",
                            f"{REALM},{pattern},exec{priority(feature, side)}:execute_extension,"
                            f"{feature.key} XML {contexts.IN_CALL},{side},{side}"))
        actions.append(("digit_action_set_realm", f"{REALM},{side}"))
    return tuple(actions) if len(actions) > 1 else ()

"""What FreeSWITCH would run for a dialplan document: a small model of mod_dialplan_xml.

Rules read in signalwire/freeswitch (commit cc93a68); our own code, none copied.
mod_dialplan_xml.c ``dialplan_hunt``: context by name (case-insensitive), else context
``global``, else the call fails; extensions in document order; one whose ``parse_exten`` is
true ends the hunt unless ``continue`` is true. ``parse_exten``: a ``field`` with ``$`` is
expanded, else it names a caller-profile field (``switch_caller_get_field_by_name``; other names
read ""); ``expression`` (attribute or child) is expanded; no field = true; ``regex=all|any|xor``
over ``<regex>`` children. True: DP_MATCH gets the captures and ``$N`` is substituted in
``<action>`` data, both only if the expression has a ``(``. False: ``<anti-action>``s run
unsubstituted and, if any exist, the condition counts as true for the extension. ``break``:
on-false (default, also unknown values), on-true, always, never; nested conditions run only after
a true parent, a false nested result ends the extension unless break="never",
``require-nested="false"`` ignores it. Actions queued before an extension turns out false stay
queued. ``loop="N"`` repeats. ``exec_app``: ``inline="true"`` runs the app during the hunt;
other actions are queued with ``$N`` substituted but ``${var}`` unexpanded:
``switch_core_session_exec`` (switch_core_session.c) expands data when the app runs, after the
earlier apps ran (the captured CDR xml_cdr/2a_* shows callflow ``user/${dialed_extension}@...``,
app_log ``user/1001@127.0.0.1``). switch_regex.c ``switch_regex_perform`` (search, ``_NXZ.``
via ``switch_ast2regex``, ``/re/is``), ``switch_perform_substitution`` (``$N``, ``${N}``, unset
group = "", ``$0`` whole match), ``switch_capture_regex``. switch_channel.c
``switch_channel_expand_variables_check``: ``${name}`` (name and value expanded again,
``:offset:length``), unknown = "", ``\\$`` = ``$``, ``\\\\`` = ``\\``, ``\\'`` dropped.
mod_dptools.c ``base_set`` (set, multiset with ``^^<delim>``), ``export_function`` (sets it
locally too and appends to ``export_vars``), ``unset_function``.

Globals (vars.xml's ``X-PRE-PROCESS cmd="set"``, what switch_core_get_variable answers)
are the last place ``${name}`` is looked up, after the channel and its caller profile
(switch_channel_get_variable_dup): ``hunt(..., globals=...)``. ``socket`` (mod_event_socket)
is an application like any other here; what follows it is the outbound socket's (see
tests/fakes/switch_sim.py).

Deviations: ``${name(args)}``/``${name args}`` API calls and ``$${global}`` (the preprocessor's)
stay verbatim; Python ``re`` in ASCII mode replaces PCRE2 (no POSIX classes, ``\\p{}``,
``(?<name>)``, recursion; a pattern Python rejects raises ``Unsupported``); time-of-day
attributes, ``${var[i]}``, inline apps other than set/unset/export/multiset/log/eval/info/event
raise ``Unsupported``; DP_REGEX_MATCH_N and auto_hunt are not modelled; names are
case-sensitive. ``Hunt.actions`` data assumes every earlier queued app ran and only
set/unset/export/multiset changed variables.
"""

import re
import warnings
from collections import ChainMap
from dataclasses import dataclass, replace
from functools import lru_cache

from lxml import etree

PROFILE_FIELDS = frozenset(
    "dialplan username caller_id_name caller_id_number orig_caller_id_name orig_caller_id_number"
    " callee_id_name callee_id_number ani aniii network_addr rdnis destination_number uuid source"
    " transfer_source context chan_name profile_index".split())
TIME_ATTRS = ("date-time", "year", "yday", "mon", "mday", "week", "mweek", "wday", "hour",
              "minute", "minute-of-day", "time-of-day")
TRUE_WORDS = ("yes", "on", "true", "t", "enabled", "active", "allow")
_CAPTURE = re.compile(r"\$(?:(\d{1,9})|\{(\d{1,9})\})")


class ContextNotFound(LookupError):
    """Neither the context nor ``global`` exists: FreeSWITCH fails the call."""


class Unsupported(NotImplementedError):
    """The document uses something this model does not evaluate."""


@dataclass(frozen=True)
class Hunt:
    actions: tuple  # (application, data as expanded when it runs)
    variables: dict  # channel variables when the hunt ended (inline actions applied)
    queued: tuple = ()  # (application, data as queued: $N substituted, ${var} not expanded)


def switch_true(value):
    value = value or ""
    return value.lower() in TRUE_WORDS or (value.lstrip("-").isdigit() and int(value) != 0)


def _atoi(text):
    found = re.match(r"\s*[+-]?\d+", text or "")
    return int(found.group()) if found else 0


def expand(text, variables, depth=0):
    """``${var}`` expansion as ``switch_channel_expand_variables`` does it (see module doc)."""
    if depth > 100 or not re.search(r"\$\\*\{|\\[\\nst']", text):
        return text
    out, i = [], 0
    while i < len(text):
        piece, i = _expand_step(text, i, variables, depth)
        out.append(piece)
    return "".join(out)


def _expand_step(text, i, variables, depth):
    two = text[i:i + 2]
    if two == "\\\\":
        return "\\", i + 2
    if two == "\\'":
        return "", i + 2
    if two == "\\$":
        return "$", i + 3 if text[i + 2:i + 3] == "$" else i + 2
    if text.startswith("$${", i):
        return text[i:_closing(text, i + 3) + 1], _closing(text, i + 3) + 1
    if two == "${":
        end = _closing(text, i + 2)
        return _variable(text[i + 2:end], text[i:end + 1], variables, depth), end + 1
    if two == "$$":
        return "$", i + 2
    return text[i], i + 1


def _closing(text, start):
    depth = 1
    for pos in range(start, len(text)):
        if text[pos] == "}" and depth == 1:
            return pos
        if text[pos] == "{" and pos != start:
            depth += 1
        elif text[pos] == "}":
            depth -= 1
    return len(text)


def _variable(inner, raw, variables, depth):
    if " " in inner or "(" in inner:
        return raw  # API call: left verbatim
    name, _, spec = expand(inner, variables, depth + 1).partition(":")
    if "]" in name.partition("[")[2]:
        raise Unsupported(f"array index in ${{{inner}}}")
    value = variables.get(name)
    if value is None:
        return ""
    value = expand(value, variables, depth + 1)
    offset, _, length = spec.partition(":")
    return _substring(value, _atoi(offset), _atoi(length))


def _substring(value, offset, length):
    if offset > len(value):
        value = ""
    elif offset >= 0 or -offset <= len(value):
        value = value[offset:]
    return value[:length] if 0 < length < len(value) else value


@lru_cache(maxsize=256)
def _compile(expression):
    flags = re.ASCII
    if expression.startswith("_"):
        table = {"N": "[2-9]", "X": "[0-9]", "Z": "[1-9]", ".": ".*"}
        expression = "^" + "".join(table.get(c, c) for c in expression[1:]) + "$"
    if expression.startswith("/"):
        expression, slash, options = expression[1:].rpartition("/")
        if not slash:
            return None  # FreeSWITCH: "missing ending '/'", no match
        flags |= (re.IGNORECASE if "i" in options else 0) | (re.DOTALL if "s" in options else 0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", FutureWarning)  # "[[:digit:]]" means other things
            return re.compile(expression, flags)
    except (re.error, FutureWarning) as error:
        raise Unsupported(f"regex {expression!r}: {error}") from error


def substitute(data, match):
    """``switch_perform_substitution``: ``$N`` and ``${N}`` from the regex match."""
    def group(found):
        number = int(found.group(1) or found.group(2))
        return (match.group(number) or "") if number <= match.re.groups else ""
    return _CAPTURE.sub(group, data)


def _set(variables, name, value):
    if name and value:
        variables[name] = value
    elif name:
        variables.maps[0].pop(name, None)


def _app_set(variables, data):
    name, sep, value = data.partition("=") if "=" in data else data.partition(",")
    _set(variables, name, expand(value, variables) if value else None)


def _app_export(variables, data):
    name, _, value = data.partition("=")
    _set(variables, name, value)
    if name and value:
        old = variables.get("export_vars")
        variables["export_vars"] = f"{old},{name}" if old else name


def _app_multiset(variables, data):
    delim = " "
    if data.startswith("^^") and len(data) >= 3:
        delim, data = data[2], data[3:]
    for item in _split(data, delim):
        _app_set(variables, item)


def _split(data, delim):
    """``switch_separate_string`` minus backslash escapes: '...' groups, items trimmed."""
    items = re.findall(f"(?:'[^']*'|[^{re.escape(delim)}])+", data)
    return [item.replace("'", "").strip(" ") for item in items]


APPS = {"set": _app_set, "export": _app_export, "multiset": _app_multiset,
        "unset": lambda variables, data: _set(variables, data, None)}
INLINE_NOOPS = ("log", "eval", "info", "event")


class _Hunter:
    def __init__(self, context, variables, globals_=None):
        profile = {k: v for k, v in variables.items() if k in PROFILE_FIELDS}
        self.profile = {**profile, "context": context}
        self.channel = ChainMap(dict(variables), self.profile, dict(globals_ or {}))
        self.queue = []

    def run(self, app, data):
        """``switch_core_session_exec``: expand the data, apply the app's effect."""
        if not switch_true(self.channel.get("app_disable_expand_variables")):
            data = expand(data, self.channel)
        if app in APPS:
            APPS[app](self.channel, data)
        return data

    def extension(self, node, nested=False):
        proceed = False
        for cond in node.iterchildren("condition"):
            mode = (cond.get("break") or "").lower()
            mode = mode if mode in ("on-true", "always", "never") else "on-false"
            true, proceed, match = self.evaluate(cond, proceed)
            if true:
                self.actions(cond, "action", match)
            elif self.actions(cond, "anti-action", None):
                proceed = True
            if mode in ("always", "on-true" if true else "on-false"):
                break
            if proceed and cond.find("condition") is not None:
                proceed = self.extension(cond, nested=True)
                if not proceed and mode != "never":
                    break
        return proceed or (nested and not switch_true(node.get("require-nested", "true")))

    def evaluate(self, cond, proceed):
        """(condition true?, FreeSWITCH's ``proceed``, match for $N or None)."""
        self.check_time(cond)
        if cond.get("regex") is not None:
            return self.regex_rule(cond, cond.get("regex").lower(), proceed)
        if cond.get("field") is None:
            return True, True, None
        match, substitutes = self.match(cond)
        return match is not None, match is not None, match if substitutes else None

    def regex_rule(self, cond, rule, proceed):
        passed = failed = 0
        captures = None
        for node in cond.iterchildren("regex"):
            self.check_time(node)
            match, substitutes = self.match(node)
            proceed = match is not None or node.get("field") is None
            captures = match if substitutes else captures
            passed, failed = passed + proceed, failed + (not proceed)
            if rule != "xor" and proceed != (rule == "all"):
                break
        true = passed == 1 if rule == "xor" else (not failed if rule == "all" else passed > 0)
        return true, proceed or captures is not None, captures

    def match(self, node):
        """Search the field; (match or None, whether $N substitution applies)."""
        field = node.get("field")
        expression = node.findtext("expression")
        expression = expand(node.get("expression", "") if expression is None else expression,
                            self.channel)
        if field is None:
            return None, False
        value = expand(field, self.channel) if "$" in field else self.profile.get(field.lower())
        pattern = _compile(expression)
        found = pattern.search(value or "") if pattern else None
        return found, "(" in expression

    def actions(self, cond, tag, match):
        nodes = list(cond.iterchildren(tag))
        if match is not None:
            self.channel.maps[0].pop("DP_MATCH", None)
            self.push_dp_match(match)
        for node in nodes:
            app, data = node.get("application", ""), node.text or node.get("data", "")
            data = substitute(data, match) if match is not None else data
            for _ in range(_atoi(node.get("loop", "1"))):
                if switch_true(node.get("inline")):
                    self.inline(app, data)
                else:
                    self.queue.append((app, data))
        return bool(nodes)

    def push_dp_match(self, match):
        """``switch_capture_regex`` pushes each set group; pushing "" deletes the variable."""
        values = []
        for value in (match.group(0),) + match.groups():
            if value is not None:
                values = values + [value] if value else []
        if values:
            self.channel["DP_MATCH"] = (
                "ARRAY::" + "|:".join(values) if len(values) > 1 else values[0])

    def inline(self, app, data):
        if app not in APPS and app not in INLINE_NOOPS:
            raise Unsupported(f"inline application {app!r}")
        self.run(app, data)

    @staticmethod
    def check_time(node):
        if any(node.get(name) is not None for name in TIME_ATTRS):
            raise Unsupported("time-of-day conditions are not modelled")


def _find_context(document, name):
    if isinstance(document, str):
        document = document.encode()
    root = etree.fromstring(document) if isinstance(document, bytes) else document
    root = root.getroot() if hasattr(root, "getroot") else root
    sections = [s for s in root.iter("section") if (s.get("name") or "").lower() == "dialplan"]
    contexts = {(c.get("name") or "").lower(): c for c in
                reversed(list(sections[0].iterchildren("context")) if sections else [])}
    found = contexts.get(name.lower(), contexts.get("global"))
    if found is None:
        raise ContextNotFound(f"Context {name} not found (and no context global)")
    return found


def hunt(document, context, variables, globals=None):  # noqa: A002 (FreeSWITCH's word)
    """Hunt `context` in the dialplan `document` (bytes or lxml element) the way
    mod_dialplan_xml does for a channel whose variables are `variables` (a dict:
    channel variables such as destination_number, caller_id_number, user_name,
    domain_name...). Returns a Hunt with .actions: list[(application, data)] in
    the order FreeSWITCH would queue them (data with $N substituted as when the
    action is queued and ${var} expanded as when it runs: see below), and
    .variables: the dict after inline actions ran. Raises ContextNotFound.

    ``variables`` seeds both the channel variables and the caller profile (the
    PROFILE_FIELDS names; ``context`` is the hunted one); ``globals`` answer what
    neither has. Queued data is expanded when each action runs, see the module
    docstring; ``.queued`` holds it unexpanded.
    """
    hunter = _Hunter(context, variables, globals)
    extensions = list(_find_context(document, context).iterchildren("extension"))
    for extension in extensions:
        if hunter.extension(extension) and not switch_true(extension.get("continue")):
            break
    after_hunt = dict(hunter.channel.maps[0])
    actions = tuple((app, hunter.run(app, data)) for app, data in hunter.queue)
    return Hunt(actions=actions, variables=after_hunt, queued=tuple(hunter.queue))


# --- the digit machine: what bind_digit_action binds, and what a key pressed then runs ------
#
# mod_dptools.c (1.10.12) ``bind_digit_action_function``: data split on "," into at most 6
# fields ``<realm>,<digits|~regex>,<string>[,<value>][,<dtmf target>][,<event target>]``
# (targets self|peer|both, anything else self); ``bind_to_session`` binds on the session's
# dmachine of the dtmf target (``peer``: the keys of the leg it is bridged to), created at
# the first binding with ``bind_digit_digit_timeout`` (default 1500 ms) as it is then;
# ``exec[<flags>]:`` with ``P`` binds with priority; ``clear_digit_action <realm>|all[,target]``
# and ``digit_action_set_realm <realm>[,target]``. ``digit_action_callback``: the event
# target ``peer``/``both`` runs it on the partner; ``exec`` runs ``<app>::<value>`` in a
# broadcast thread (``i``: inline, blocking) holding the other party (SMF_HOLD_BLEG) unless
# ``H`` or target ``both``. switch_ivr_async.c ``switch_ivr_dmachine_bind`` (a later binding
# of the same digits replaces the callback: "Reuse Existing") and
# ``switch_ivr_dmachine_check_match`` / ``_ping``: a regex always counts as a partial match;
# it is taken at the digit timeout, or at once when it has priority and no plain binding
# matches exactly, or when it is the realm's only binding; a plain binding is taken at its
# last key if it has priority, else only when no regex is bound and no longer binding
# starts with the digits (or at the timeout); digits no binding can start are passed on
# (nonmatch: queued to the channel past the machine). Not modelled: ``=`` first-match,
# ``~re~~repl`` substitution, ``bda_terminators``, input timeouts, api: actions.

DMACHINE_MAX_DIGIT_LEN = 512  # switch_ivr_async.c


@dataclass(frozen=True)
class DigitBinding:
    realm: str
    digits: str  # as bound (a regex without its "~")
    regex: bool
    priority: bool
    string: str  # e.g. "exec[P]:execute_extension"
    value: str  # e.g. "park XML in_call"
    event_target: str  # self | peer | both

    @property
    def application(self):
        """``(application, arguments, inline?, other party held?)`` for an ``exec``."""
        found = re.match(r"(?i)exec(?:\[([^\]]*)\])?:(.*)\Z", self.string)
        if not found:
            return None
        flags = found.group(1) or ""
        held = self.event_target != "both" and "H" not in flags
        return found.group(2), self.value, "i" in flags, held


@dataclass(frozen=True)
class DigitMatch:
    binding: DigitBinding
    digits: str  # last_matching_digits
    at_timeout: bool  # taken only after the digit timeout (False: at the last key)

    @property
    def runs_on(self):
        """Where the action runs, seen from the leg whose keys were pressed: "presser"
        (event target self) or "partner" (peer; "both": each in turn)."""
        return {"self": "presser", "peer": "partner", "both": "both"}.get(
            self.binding.event_target, "presser")


@dataclass(frozen=True)
class DigitsPassed:
    digits: str  # no binding took them: they reach the other party


def _target(text):
    text = (text or "").lower()
    return text if text in ("peer", "both") else "self"


class DigitMachine:
    """One dmachine: the realms bound on it, the current realm, its digit timeout."""

    def __init__(self, digit_timeout_ms):
        self.digit_timeout_ms = digit_timeout_ms
        self.realms = {}
        self.realm = None

    def bind(self, binding):
        bound = self.realms.setdefault(binding.realm, [])
        for n, old in enumerate(bound):
            if old.digits == binding.digits:
                bound[n] = replace(old, string=binding.string, value=binding.value,
                                   event_target=binding.event_target)
                break
        else:
            bound.append(binding)
        self.realm = binding.realm

    @property
    def bindings(self):
        return tuple(self.realms.get(self.realm, ())) if self.realm else ()

    def press(self, keys):
        """What pressing ``keys`` one after the other, then nothing for the digit
        timeout, does: a DigitMatch, or DigitsPassed for the digits no binding took (a
        match in the middle ends the list: the rest starts a new round)."""
        results, digits = [], ""
        for key in keys:
            digits += key
            outcome = self._check(digits, timeout=False)
            if outcome is not None:
                results.append(outcome)
                digits = ""
        if digits:
            results.append(self._check(digits, timeout=True))
        return results

    def _check(self, digits, timeout):
        """``switch_ivr_dmachine_check_match`` then ``_ping``'s decision: a DigitMatch,
        DigitsPassed, or None (more keys awaited)."""
        bindings = self.bindings
        if not bindings:
            return DigitsPassed(digits) if timeout else None
        scan = _Scan(bindings, digits, timeout)
        best, exact, both = scan.run()
        if (timeout and both is not None) or (best == "exact" and exact is not None):
            return DigitMatch(exact, digits, at_timeout=timeout)
        if timeout or not scan.partials or (best == "none" and len(digits) == scan.longest):
            return DigitsPassed(digits)
        return None


class _Scan:
    """One pass of ``switch_ivr_dmachine_check_match`` over a realm's bindings."""

    def __init__(self, bindings, digits, timeout):
        self.bindings, self.digits, self.timeout = bindings, digits, timeout
        self.regexes = sum(b.regex for b in bindings)
        self.partials = sum(1 for b in bindings if b.regex or b.digits.startswith(digits))
        self.exacts = sum(1 for b in bindings if not b.regex and b.digits == digits)
        self.longest = (DMACHINE_MAX_DIGIT_LEN - 1 if self.regexes
                        else max(len(b.digits) for b in bindings))
        self.best, self.exact, self.partial, self.both = "none", None, None, None

    def run(self):
        for binding in self.bindings:
            done = self.regex(binding) if binding.regex else self.plain(binding)
            if done:
                break
        return self.best, self.exact, self.both

    def regex(self, b):
        if not _compile(b.digits).search(self.digits):
            return False
        if (b.priority and not self.exacts) or self.timeout or len(self.bindings) == 1:
            self.best, self.exact = "exact", b
            return True
        self.best = "partial"
        return False

    def plain(self, b):
        starts = b.digits.startswith(self.digits)
        if self.exact is None and starts and b.digits == self.digits and \
                (not self.regexes or b.priority or self.timeout):
            self.best, self.exact = "exact", b
            if b.priority or len(self.digits) == self.longest:
                return True
        if not (self.both and self.partial) and len(b.digits) != len(self.digits) and starts:
            if self.exact is not None:
                self.best, self.both = "both", b
            else:
                self.best, self.partial = "partial", b
        return bool(self.both and self.exact and self.partial)


def digit_machines(actions, variables=None):
    """The dmachines the dialplan's ``actions`` (a Hunt's, in order, data expanded) leave
    on the channel: ``{"self": DigitMachine or None, "peer": ...}``: "self" for the keys of
    the leg that ran them, "peer" for those of the leg it is bridged to."""
    channel = ChainMap({}, dict(variables or {}))
    machines = {"self": None, "peer": None}
    for app, data in actions:
        if app in APPS:
            APPS[app](channel, data)
        elif app == "bind_digit_action":
            _bind_digit_action(machines, channel, data)
        elif app == "clear_digit_action":
            _clear_digit_action(machines, data)
        elif app == "digit_action_set_realm" and data:
            realm, _, target = data.partition(",")
            machine = machines["self" if _target(target) == "both" else _target(target)]
            if machine is not None and realm in machine.realms:
                machine.realm = realm
    return machines


def _sides(target):
    return ("peer", "self") if target == "both" else (target,)


def _clear_digit_action(machines, data):
    realm, _, target = data.partition(",")
    for side in _sides(_target(target)):
        machine = machines[side]
        if machine is None:
            continue
        if realm in ("", "all"):
            machines[side] = None
            continue
        machine.realms.pop(realm, None)
        if machine.realm == realm:
            machine.realm = None


def _bind_digit_action(machines, channel, data):
    fields = data.split(",", 5)
    fields += [""] * (6 - len(fields))
    realm, digits, string, value, dtmf_target, event_target = fields
    if not (realm and digits and string):
        return  # "Syntax Error": nothing bound
    flags = re.match(r"(?i)exec\[([^\]]*)\]:", string)
    priority = bool(flags) and "P" in flags.group(1)
    binding = DigitBinding(realm=realm, digits=digits[1:] if digits.startswith("~") else digits,
                           regex=digits.startswith("~"), priority=priority, string=string,
                           value=value, event_target=_target(event_target))
    for side in _sides(_target(dtmf_target)):
        if machines[side] is None:
            machines[side] = DigitMachine(_atoi(channel.get("bind_digit_digit_timeout"))
                                          if channel.get("bind_digit_digit_timeout")
                                          else 1500)
        machines[side].bind(binding)

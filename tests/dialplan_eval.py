"""What FreeSWITCH would run for a dialplan document: a small model of mod_dialplan_xml.

Rules read in signalwire/freeswitch (commit cc93a68); our own code, none copied:

- ``mod_dialplan_xml.c`` ``dialplan_hunt``: context by name (case-insensitive), else the
  context named ``global``, else no extension (the call fails); ``auto_hunt=true`` starts at the
  extension named like the destination; extensions in document order; an extension whose
  ``parse_exten`` result is true stops the hunt unless ``continue`` is true.
- ``parse_exten``: per condition, ``field`` with a ``$`` is expanded, else it names a caller
  profile field (``switch_caller_get_field_by_name``, switch_caller.c; any other name reads as
  ""); ``expression`` (attribute or ``<expression>`` child) is expanded too; no field = true.
  ``regex="all|any|xor"`` over ``<regex>`` children (captures: the last evaluated one whose
  expression has a ``(``, if it matched). True: DP_MATCH is set to the captures and ``$N`` is
  substituted in ``<action>`` data only when the expression contains ``(``. False: the
  ``<anti-action>`` elements run unsubstituted and, if there is at least one, the condition
  counts as matched (so the extension matches). ``break``: on-false (default, also for unknown
  values), on-true, always, never. Nested ``<condition>`` children are parsed only when the
  parent's result is true; a false nested result ends the extension unless break="never";
  ``require-nested="false"`` on the parent makes the nested result true. Actions found before
  the extension turns out false stay queued. ``loop="N"`` repeats an action (atoi).
- ``exec_app``: ``inline="true"`` runs the application during the hunt (routing-safe apps only);
  other actions are only queued (``switch_caller_extension_add_application``) with ``$N``
  substituted but ``${var}`` NOT expanded; ``switch_core_session_exec`` (switch_core_session.c)
  expands the data when the application runs (unless ``app_disable_expand_variables``).
  Confirmed by the captured CDR (tests/data/freeswitch/xml_cdr/2a_*): callflow
  ``user/${dialed_extension}@${domain_name}``, app_log ``user/1001@127.0.0.1``.
- ``switch_regex_perform`` / ``switch_perform_substitution`` (switch_regex.c): unanchored search,
  ``_NXZ.`` patterns (``switch_ast2regex``), ``/re/i`` and ``/re/s``; ``$N``/``${N}`` captures,
  unknown or unset groups give "", ``$0`` is the whole match.
- ``switch_channel_expand_variables_check`` (switch_channel.c): ``${name}`` (name itself
  expanded, value expanded again, ``:offset:length``), unknown = "", ``\\$`` = ``$``,
  ``\\\\`` = ``\\``, ``\\'`` dropped; strings without ``${`` or escapes are untouched.
- mod_dptools.c ``base_set``/``set``/``multiset`` (``^^<delim>``, ``switch_separate_string``),
  ``export`` (also sets the variable locally, appends to ``export_vars``), ``unset``.

Deviations (deliberate): ``${name(args)}`` / ``${name args}`` API calls and ``$${global}``
preprocessor variables are left verbatim (FreeSWITCH runs the API / the preprocessor expands the
global before the hunt); Python ``re`` (ASCII mode) stands in for PCRE2 (no POSIX classes,
``\\p{}``, ``(?<name>)``, recursion; a pattern Python rejects raises ``Unsupported``);
time-of-day attributes, ``${var[idx]}``, DP_REGEX_MATCH_N and inline applications other than
set/unset/export/multiset/log/eval/info/event raise ``Unsupported``; variable names are
case-sensitive. ``Hunt.actions`` shows each queued action's data as expanded when it runs,
assuming every earlier queued action ran and only set/unset/export/multiset changed variables.
"""

import re
from collections import ChainMap
from dataclasses import dataclass
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
    value = (value or "").strip()
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
    if two in ("\\\\", "\\'"):
        return two[1].replace("'", ""), i + 2
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
    if "[" in name:
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
        return re.compile(expression, flags)
    except re.error as error:
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
    if data.startswith("^^") and len(data) > 3:
        delim, data = data[2], data[3:]
    for item in _split(data, delim):
        _app_set(variables, item)


def _split(data, delim):
    """``switch_separate_string`` without its backslash escapes: '...' quotes, trimmed items."""
    items, current, quoted = [], "", False
    for char in data:
        if char == "'":
            quoted = not quoted
        elif char == delim and not quoted:
            items.append(current)
            current = ""
        else:
            current += char
    items.append(current)
    items = [item.strip(" ") for item in items]
    return [item for item in items if item] if delim == " " else items


APPS = {"set": _app_set, "export": _app_export, "multiset": _app_multiset,
        "unset": lambda variables, data: _set(variables, data, None)}
INLINE_NOOPS = ("log", "eval", "info", "event")


class _Hunter:
    def __init__(self, context, variables):
        profile = {k: v for k, v in variables.items() if k in PROFILE_FIELDS}
        self.profile = {**profile, "context": context}
        self.channel = ChainMap(dict(variables), self.profile)
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
            true, proceed, match = self.evaluate(cond, proceed)
            if true:
                self.actions(cond, "action", match)
            elif self.actions(cond, "anti-action", None):
                proceed = True
            if mode == "always" or mode == ("on-true" if true else "on-false") or (
                    not true and mode not in ("on-true", "never")):
                break
            if proceed and cond.find("condition") is not None:
                proceed = self.extension(cond, nested=True)
                if not proceed and mode != "never":
                    break
        return proceed or (nested and not switch_true(node.get("require-nested", "true")))

    def evaluate(self, cond, proceed):
        """(condition true?, FreeSWITCH's ``proceed``, match for $N or None)."""
        if cond.get("regex"):
            return self.regex_rule(cond, cond.get("regex").lower(), proceed)
        self.check_time(cond)
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
                self.inline(app, data) if switch_true(node.get("inline")) else \
                    self.queue.append((app, data))
        return bool(nodes)

    def push_dp_match(self, match):
        values = [match.group(0)] + [group for group in match.groups() if group is not None]
        values = [value for value in values if value]  # empty values are not stored
        if values:
            self.channel["DP_MATCH"] = "ARRAY::" + "|:".join(values) if len(values) > 1 \
                else values[0]

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
    for section in root.iter("section"):
        if (section.get("name") or "").lower() == "dialplan":
            contexts = {(c.get("name") or "").lower(): c for c in
                        reversed(list(section.iterchildren("context")))}
            found = contexts.get(name.lower(), contexts.get("global"))
            if found is not None:
                return found
    raise ContextNotFound(f"Context {name} not found")


def hunt(document, context, variables):
    """Hunt `context` in the dialplan `document` (bytes or lxml element) the way
    mod_dialplan_xml does for a channel whose variables are `variables` (a dict:
    channel variables such as destination_number, caller_id_number, user_name,
    domain_name...). Returns a Hunt with .actions: list[(application, data)] in
    the order FreeSWITCH would queue them (data with ${var} and $N already
    expanded as FreeSWITCH expands them when the action is queued), and
    .variables: the dict after inline actions ran. Raises ContextNotFound.

    ``variables`` seeds both the channel variables and the caller profile (the
    PROFILE_FIELDS names; ``context`` is the hunted one). Queued data is expanded
    when each action runs, see the module docstring; ``.queued`` holds it unexpanded.
    """
    hunter = _Hunter(context, variables)
    extensions = list(_find_context(document, context).iterchildren("extension"))
    if switch_true(hunter.channel.get("auto_hunt")):
        destination = (hunter.profile.get("destination_number") or "").lower()
        names = [(e.get("name") or "").lower() for e in extensions]
        extensions = extensions[names.index(destination):] if destination in names else extensions
    for extension in extensions:
        if hunter.extension(extension) and not switch_true(extension.get("continue")):
            break
    after_hunt = dict(hunter.channel.maps[0])
    actions = tuple((app, hunter.run(app, data)) for app, data in hunter.queue)
    return Hunt(actions=actions, variables=after_hunt, queued=tuple(hunter.queue))

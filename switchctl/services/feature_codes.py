"""The feature-code registry: the one list of codes the dialplan and the portal read.

Codes follow the CooVox v3.0.1 manual (section 2); an admin may override any
default per domain. A dialled code may end with ``#`` (the phone's send key);
in-call codes are DTMF pressed during a bridged call.
"""

import dataclasses
import re

from switchctl.models import Extension, FeatureCodeOverride, database
from switchctl.services import ValidationError
from switchctl.services.prepared import Prepared

ARG_NONE = ""
ARG_EXTENSION = "extension"
ARG_NUMBER = "number"
ARG_DATETIME = "datetime"

ARGUMENT_PATTERNS = {
    ARG_NONE: "",
    ARG_EXTENSION: r"([0-9]{2,8})",
    ARG_NUMBER: r"(\+?[0-9]{2,20})",
    ARG_DATETIME: r"([0-9]{8})",
}
CODE_PATTERN = re.compile(r"^[*#0-9]{1,8}$")


@dataclasses.dataclass(frozen=True)
class Feature:
    key: str
    code: str
    section: str
    summary: str
    argument: str = ARG_NONE
    in_call: bool = False

    def usage(self, code=None):
        """How a user dials it, e.g. ``*71<number>#``."""
        code = self.code if code is None else code
        argument = f"<{self.argument}>" if self.argument else ""
        if self.argument == ARG_DATETIME:
            argument = "MMDDHHMM"
        return f"{code}{argument}" if self.in_call or self.argument == ARG_DATETIME else \
            f"{code}{argument}#"

    def dial_regex(self, code=None):
        """The anchored regex matching a dialled string; group 1 is the argument."""
        code = self.code if code is None else code
        return f"^{re.escape(code)}{ARGUMENT_PATTERNS[self.argument]}#?\\Z"


def _f(key, code, section, summary, argument=ARG_NONE, in_call=False):
    return Feature(key, code, section, summary, argument, in_call)


FEATURES = (
    _f("voicemail_main", "*60", "2.1", "Voicemail main menu: enter a mailbox number and its PIN"),
    _f("voicemail_own", "*61", "2.1", "Own mailbox: listen, save, delete, greeting, PIN"),
    _f("pickup_directed", "**", "2.2", "Pick up the call ringing at an extension",
       ARG_EXTENSION),
    _f("pickup_group", "*8", "2.2", "Pick up a call ringing in your department"),
    _f("park", "*4#", "2.3", "Park the other party; the slot (41-49) is announced", in_call=True),
    _f("transfer_blind", "#", "2.4", "Blind transfer to a number", ARG_NUMBER, in_call=True),
    _f("transfer_attended", "*2", "2.4", "Attended transfer: consult, hang up to complete",
       ARG_NUMBER, in_call=True),
    _f("blacklist_last", "*76", "2.5", "Blacklist the last external caller"),
    _f("blacklist_add", "*75", "2.5", "Blacklist a number entered at the prompt"),
    _f("blacklist_remove", "*075", "2.5", "Remove a number from the blacklist", ARG_NUMBER),
    _f("monitor_listen", "*90", "2.6", "Listen to an extension's call (muted)", ARG_EXTENSION),
    _f("monitor_whisper", "*91", "2.6", "Whisper to an extension (only it hears you)",
       ARG_EXTENSION),
    _f("monitor_barge", "*92", "2.6", "Barge into an extension's call (three-way)",
       ARG_EXTENSION),
    _f("agent_login", "*62", "2.7", "Queue agent login"),
    _f("agent_logout", "*062", "2.7", "Queue agent logout"),
    _f("agent_pause", "*95", "2.7", "Queue agent pause"),
    _f("agent_unpause", "*095", "2.7", "Queue agent unpause"),
    _f("conference_adhoc", "*0", "2.8", "Move both parties into an ad-hoc conference",
       in_call=True),
    _f("wakeup_menu", "*55", "2.9", "Wake-up call menu: schedule, review, cancel"),
    _f("wakeup_direct", "*55*", "2.9", "Schedule a wake-up call directly", ARG_DATETIME),
    _f("wakeup_cancel", "*055", "2.9", "Cancel all wake-up calls"),
    _f("forward_always_on", "*71", "2.10", "Forward all calls to a number", ARG_NUMBER),
    _f("forward_always_off", "*071", "2.10", "Cancel forward all calls"),
    _f("forward_busy_on", "*72", "2.10", "Forward when busy", ARG_NUMBER),
    _f("forward_busy_off", "*072", "2.10", "Cancel forward when busy"),
    _f("forward_no_answer_on", "*73", "2.10", "Forward on no answer", ARG_NUMBER),
    _f("forward_no_answer_off", "*073", "2.10", "Cancel forward on no answer"),
    _f("dnd_on", "*74", "2.11", "Do-not-disturb on"),
    _f("dnd_off", "*074", "2.11", "Do-not-disturb off"),
    _f("announce_wan_ip", "**11", "2.12", "Announce the WAN IP address"),
    _f("announce_lan_ip", "**12", "2.12", "Announce the LAN IP address"),
    _f("announce_extension", "**13", "2.12", "Announce your own extension number"),
    _f("record_call", "*1", "2.12", "Record the current call (press again to stop)",
       in_call=True),
    _f("intercom", "*50", "2.12", "Intercom: the extension answers by itself, two-way",
       ARG_EXTENSION),
    _f("paging", "*51", "2.12", "Paging: the extension answers by itself, one-way",
       ARG_EXTENSION),
)

BY_KEY = {feature.key: feature for feature in FEATURES}


# An override that would make a code unusable (its message a template the portal translates).
FeatureCodeError = ValidationError


def effective_codes(overrides=None):
    """``{key: code}`` for every feature, with ``overrides`` (key -> code) applied."""
    codes = {feature.key: feature.code for feature in FEATURES}
    for key, code in (overrides or {}).items():
        if key in codes:
            codes[key] = code
    return codes


# Compiled once: every bridged call reads them (the in-call codes it binds), and building
# the query each time cost more than the rest of the dialplan answer.
_OVERRIDES = Prepared(lambda domain_id: (
    FeatureCodeOverride.select(FeatureCodeOverride.feature, FeatureCodeOverride.code)
    .where(FeatureCodeOverride.domain == domain_id)), 1)


def overrides(domain_id):
    """``{key: code}`` of the domain's feature-code overrides."""
    return {row.feature: row.code for row in _OVERRIDES.rows(getattr(domain_id, "id", domain_id))}


def domain_codes(domain_id):
    """``{key: code}`` for every feature as the domain's users dial it."""
    return effective_codes(overrides(domain_id))


def validate_override(key, code):
    if key not in BY_KEY:
        raise ValidationError("unknown feature %(feature)s", {"feature": key})
    if not CODE_PATTERN.match(code) or code[0] not in "*#":
        raise ValidationError("a feature code starts with * or # (a number starting with a "
                              "digit is an extension's) and has at most 8 of *, #, 0-9")
    return code


# Arguments a dialled code may be followed by, to find codes one dialled string could mean.
SAMPLE_ARGUMENTS = ("12", "123", "1234", "12345678", "+123", "123456789012")


def _samples(feature, code):
    """Strings a user may dial for ``feature`` with ``code`` (some of each argument)."""
    if feature.argument == ARG_NONE:
        return [code, code + "#"]
    pattern = re.compile(f"^{ARGUMENT_PATTERNS[feature.argument]}\\Z")
    return [code + sample for sample in SAMPLE_ARGUMENTS if pattern.match(sample)]


def _dialled_clash(feature, code, other, other_code, numbers):
    """Could one dialled string mean both? The dialplan tries codes without an argument
    first (dial_order): one that equals ``**`` + an extension's number would take that
    extension's pickup (so ``**11`` is fine while no extension is 11)."""
    pair = {feature.argument: (feature, code), other.argument: (other, other_code)}
    if set(pair) == {ARG_NONE, ARG_EXTENSION}:
        plain, (taking, taking_code) = pair[ARG_NONE][1], pair[ARG_EXTENSION]
        found = re.match(taking.dial_regex(taking_code), plain)
        return found is not None and found.group(1) in numbers
    return any(re.match(second.dial_regex(second_code), dialled)
               for first, first_code, second, second_code in (
                   (feature, code, other, other_code), (other, other_code, feature, code))
               for dialled in _samples(first, first_code))


def _in_call_clash(code, other_code):
    """DTMF during a call acts on the first code its digits complete: one code may not
    begin another."""
    return code.startswith(other_code) or other_code.startswith(code)


def check_override(domain_id, key, code):
    """Raise FeatureCodeError unless ``code`` may replace the code of feature ``key`` in
    the domain: well-formed, and no string a user dials (or presses in a call) could mean
    both it and another feature's code, nor another feature's code with an extension
    number after it."""
    validate_override(key, code)
    feature, codes = BY_KEY[key], domain_codes(domain_id)
    numbers = {n for (n,) in Extension.select(Extension.number)
               .where(Extension.domain == domain_id).tuples()}
    for other in FEATURES:
        if other.key == key or other.in_call != feature.in_call:
            continue
        other_code = codes[other.key]
        clash = _in_call_clash(code, other_code) if feature.in_call else \
            _dialled_clash(feature, code, other, other_code, numbers)
        if clash:
            raise ValidationError("%(code)s clashes with %(other)s, the code of %(feature)s",
                                  {"code": code, "other": other.usage(other_code),
                                   "feature": other.key})
    return code


def set_override(domain_id, key, code):
    """Make ``code`` the domain's code for feature ``key`` (checked by check_override);
    the default code itself removes the override."""
    code = (code or "").strip()
    with database.atomic():
        check_override(domain_id, key, code)
        if code == BY_KEY[key].code:
            reset_override(domain_id, key)
            return
        (FeatureCodeOverride.insert(domain=domain_id, feature=key, code=code)
         .on_conflict(conflict_target=[FeatureCodeOverride.domain, FeatureCodeOverride.feature],
                      update={FeatureCodeOverride.code: code})
         .execute())


def reset_override(domain_id, key):
    """Back to the default code of feature ``key``."""
    if key not in BY_KEY:
        raise ValidationError("unknown feature %(feature)s", {"feature": key})
    FeatureCodeOverride.delete().where(FeatureCodeOverride.domain == domain_id,
                                       FeatureCodeOverride.feature == key).execute()


@dataclasses.dataclass(frozen=True)
class Row:
    feature: Feature
    code: str  # as the domain's users dial it
    usage: str
    overridden: bool


def code_rows(domain_id):
    """Every feature in the registry's order with the domain's code for it."""
    found = overrides(domain_id)
    codes = effective_codes(found)
    return [Row(f, codes[f.key], f.usage(codes[f.key]), f.key in found) for f in FEATURES]


def dial_order(codes):
    """Dialled features, longest code first, so that ``**11`` wins over ``**<ext>``."""
    dialled = [f for f in FEATURES if not f.in_call]
    return sorted(dialled, key=lambda f: (f.argument != ARG_NONE, -len(codes[f.key])))


def markdown_table(live, codes=None):
    """The feature codes as a Markdown table (the README is generated from it); ``live``
    holds the keys the dialplan serves now."""
    codes = effective_codes() if codes is None else codes
    rows = ["| Code | Feature | Manual | Works now |", "|---|---|---|---|"]
    for feature in FEATURES:
        usage = feature.usage(codes[feature.key]).replace("|", "\\|")
        when = " (in call)" if feature.in_call else ""
        works = "yes" if feature.key in live else "not yet"
        rows.append(f"| `{usage}` | {feature.summary}{when} | §{feature.section} | {works} |")
    return "\n".join(rows)

"""The dialplan evaluator follows mod_dialplan_xml (see tests/dialplan_eval.py for the sources)."""

import pytest
from lxml import etree

from tests.builders.captures import FS_DOMAIN, fields, payload
from tests.fakes.dialplan_eval import (ContextNotFound, DigitMatch, Hunt, Unsupported,
                                       digit_machines, expand, hunt)


def document(*extensions, context="default"):
    return (f'<document type="freeswitch/xml"><section name="dialplan">'
            f'<context name="{context}">{"".join(extensions)}</context></section></document>'
            ).encode()


def ext(body, name="x", **attrs):
    extra = "".join(f' {key}="{value}"' for key, value in attrs.items())
    return f'<extension name="{name}"{extra}>{body}</extension>'


def dest(expression, body, **attrs):
    extra = "".join(f' {key}="{value}"' for key, value in attrs.items())
    return (f'<condition field="destination_number" expression="{expression}"{extra}>'
            f'{body}</condition>')


def act(application, data=None, tag="action", **attrs):
    extra = "".join(f' {key}="{value}"' for key, value in attrs.items())
    data = "" if data is None else f' data="{data}"'
    return f'<{tag} application="{application}"{data}{extra}/>'


def anti(application, data=None, **attrs):
    return act(application, data, tag="anti-action", **attrs)


def actions(doc, context="default", **variables):
    return list(hunt(doc, context, variables).actions)


# --- context lookup -------------------------------------------------------------------------

def test_the_context_is_found_by_name_case_insensitively():
    doc = document(ext(dest("", act("answer"))), context="Office")
    assert actions(doc, "office", destination_number="1") == [("answer", "")]


def test_a_missing_context_falls_back_to_global_then_fails():
    doc = document(ext(dest("", act("playback", "global.wav"))), context="global")
    assert actions(doc, "default", destination_number="1") == [("playback", "global.wav")]
    with pytest.raises(ContextNotFound):
        hunt(document(ext(dest("", act("answer")))), "public", {"destination_number": "1"})
    with pytest.raises(ContextNotFound):
        hunt(b'<document type="freeswitch/xml"><section name="directory"/></document>',
             "default", {})


def test_hunt_accepts_an_lxml_element_and_returns_a_frozen_hunt():
    result = hunt(etree.fromstring(document(ext(dest("^1$", act("answer"))))), "default",
                  {"destination_number": "1"})
    assert result == Hunt(actions=(("answer", ""),), variables={"destination_number": "1"},
                          queued=(("answer", ""),))
    with pytest.raises(AttributeError):
        result.actions = ()


# --- extensions -------------------------------------------------------------------------------

def test_hunting_stops_at_the_first_matching_extension():
    doc = document(ext(dest("^2", act("log", "no"))),
                   ext(dest("^1", act("answer"))),
                   ext(dest("^1", act("hangup"))))
    assert actions(doc, destination_number="100") == [("answer", "")]


def test_continue_true_keeps_hunting_after_a_match():
    doc = document(ext(dest("^1", act("set", "a=1")), **{"continue": "true"}),
                   ext(dest("^1", act("answer"))),
                   ext(dest("^1", act("hangup"))))
    assert actions(doc, destination_number="100") == [("set", "a=1"), ("answer", "")]


def test_no_matching_extension_queues_nothing():
    result = hunt(document(ext(dest("^1$", act("answer")))), "default",
                  {"destination_number": "2"})
    assert (result.actions, result.queued) == ((), ())


# --- fields ---------------------------------------------------------------------------------

def test_fields_are_caller_profile_names_or_expanded_variables():
    doc = document(
        ext('<condition field="caller_id_number" expression="^1000$"/>'
            '<condition field="${user_name}@${domain_name}" expression="^1000@pbx$"/>'
            '<condition field="Network_Addr" expression="^10\\."/>'
            '<condition field="context" expression="^default$">' + act("answer") + '</condition>'))
    assert actions(doc, caller_id_number="1000", user_name="1000", domain_name="pbx",
                   network_addr="10.0.0.5") == [("answer", "")]


def test_a_field_naming_a_plain_channel_variable_reads_empty():
    # switch_caller_get_field_by_name knows only caller-profile fields; use ${domain_name}.
    doc = document(ext('<condition field="domain_name" expression="^$">'
                       + act("log", "empty") + '</condition>'))
    assert actions(doc, domain_name="pbx") == [("log", "empty")]


def test_an_inline_set_does_not_change_the_caller_profile_field():
    doc = document(ext('<condition>' + act("set", "destination_number=9", inline="true")
                       + '</condition>' + dest("^1$", act("log", "${destination_number}"))))
    assert actions(doc, destination_number="1") == [("log", "9")]


def test_a_condition_without_field_is_true_and_expression_is_expanded():
    doc = document(ext('<condition expression="ignored"/>'
                       + dest("^${prefix}(\\d+)$", act("bridge", "user/$1"))))
    assert actions(doc, destination_number="9123", prefix="9") == [("bridge", "user/123")]


def test_expression_as_child_element_and_data_as_text():
    doc = document(ext('<condition field="destination_number"><expression>^(\\d)$</expression>'
                       '<action application="log">got $1</action></condition>'))
    assert actions(doc, destination_number="7") == [("log", "got 7")]


# --- expressions and captures -----------------------------------------------------------------

def test_captures_are_substituted_in_actions():
    doc = document(ext(dest("^(\\d)(\\d)(\\d)?(x)?$",
                            act("log", "$0 $1 ${2} [$3] [$4] [$9] $$ $a"))))
    assert actions(doc, destination_number="12") == [("log", "12 1 2 [] [] [] $$ $a")]


def test_without_parentheses_dollar_n_stays_literal():
    doc = document(ext(dest("^12$", act("log", "$1 $0"))))
    assert actions(doc, destination_number="12") == [("log", "$1 $0")]


def test_dp_match_holds_the_captures():
    doc = document(ext(dest("^(1)(2)$", act("log", "x"))))
    assert hunt(doc, "default", {"destination_number": "12"}).variables["DP_MATCH"] == \
        "ARRAY::12|:1|:2"
    doc = document(ext(dest("^12$", act("log", "x"))))
    assert "DP_MATCH" not in hunt(doc, "default", {"destination_number": "12"}).variables


def test_expression_is_a_search_and_slash_and_asterisk_forms_work():
    doc = document(ext(dest("00", act("log", "contains"))))
    assert actions(doc, destination_number="1001") == [("log", "contains")]
    doc = document(ext('<condition field="caller_id_name" expression="/^alice$/i">'
                       + act("log", "ci") + '</condition>'))
    assert actions(doc, caller_id_name="ALICE") == [("log", "ci")]
    doc = document(ext(dest("_1NXX", act("log", "ast"))))
    assert actions(doc, destination_number="1200") == [("log", "ast")]
    assert actions(doc, destination_number="1100") == []


def test_digits_are_ascii_as_in_pcre_without_utf():
    doc = document(ext(dest("^\\d+$", act("log", "digits"))))
    assert actions(doc, destination_number="\u0661\u0662") == []


def test_a_regex_python_cannot_compile_is_reported():
    doc = document(ext(dest("^[[:digit:]]+$", act("answer"))))
    with pytest.raises(Unsupported):
        hunt(doc, "default", {"destination_number": "1"})


# --- break and anti-actions ---------------------------------------------------------------------

def test_break_on_false_is_the_default_and_runs_anti_actions_first():
    doc = document(ext(dest("^1$", act("log", "one") + anti("log", "not one $1"))
                       + dest("", act("log", "second"))),
                   ext(dest("", act("log", "next extension"))))
    # the anti-action makes the extension count as matched: hunting stops here
    assert actions(doc, destination_number="2") == [("log", "not one $1")]


def test_a_false_condition_without_anti_actions_lets_hunting_go_on():
    doc = document(ext(dest("^1$", act("log", "one")) + dest("", act("log", "second"))),
                   ext(dest("", act("log", "next extension"))))
    assert actions(doc, destination_number="2") == [("log", "next extension")]


def test_break_on_true_stops_after_the_first_true_condition():
    doc = document(ext(dest("^1$", act("log", "a"), **{"break": "on-true"})
                       + dest("^1$", act("log", "b"))))
    assert actions(doc, destination_number="1") == [("log", "a")]
    assert actions(doc, destination_number="2") == []


def test_break_never_goes_on_and_actions_queued_so_far_stay():
    doc = document(ext(dest("^1$", act("log", "a"), **{"break": "never"})
                       + dest("^2$", act("log", "b"), **{"break": "never"})),
                   ext(dest("", act("log", "next"))))
    # the last condition is false, so the extension does not match, yet "a" stays queued
    assert actions(doc, destination_number="1") == [("log", "a"), ("log", "next")]


def test_break_always_stops_after_the_condition_either_way():
    doc = document(ext(dest("^1$", act("log", "a") + anti("log", "not a"), **{"break": "always"})
                       + dest("", act("log", "b"))))
    assert actions(doc, destination_number="1") == [("log", "a")]
    assert actions(doc, destination_number="2") == [("log", "not a")]


# --- nested conditions and regex lists ----------------------------------------------------------

def test_nested_conditions_run_after_a_true_parent():
    nested = dest("^1(\\d)$", act("log", "outer $1") + dest("^10$", act("log", "inner")))
    doc = document(ext(nested), ext(dest("", act("log", "fallback"))))
    assert actions(doc, destination_number="10") == [("log", "outer 0"), ("log", "inner")]
    assert actions(doc, destination_number="11") == [("log", "outer 1"), ("log", "fallback")]
    lenient = nested.replace('expression="^1(\\d)$"',
                             'expression="^1(\\d)$" require-nested="false"')
    assert actions(document(ext(lenient), ext(dest("", act("log", "fallback")))),
                   destination_number="11") == [("log", "outer 1")]


def test_regex_any_all_and_xor():
    def rule(kind):
        return document(ext(
            f'<condition regex="{kind}">'
            '<regex field="destination_number" expression="^(1)"/>'
            '<regex field="caller_id_number" expression="^(2)"/>'
            + act("log", "match $1") + anti("log", "no") + '</condition>'))
    assert actions(rule("any"), destination_number="1", caller_id_number="3") == \
        [("log", "match 1")]
    assert actions(rule("any"), destination_number="3", caller_id_number="2") == \
        [("log", "match 2")]
    assert actions(rule("all"), destination_number="1", caller_id_number="3") == [("log", "no")]
    assert actions(rule("all"), destination_number="1", caller_id_number="2") == \
        [("log", "match 2")]
    assert actions(rule("xor"), destination_number="1", caller_id_number="2") == [("log", "no")]
    assert actions(rule("xor"), destination_number="3", caller_id_number="2") == \
        [("log", "match 2")]


def test_time_conditions_are_refused():
    doc = document(ext('<condition wday="2-6">' + act("answer") + '</condition>'))
    with pytest.raises(Unsupported):
        hunt(doc, "default", {"destination_number": "1"})


# --- inline and queued applications ---------------------------------------------------------

def test_an_inline_set_is_seen_by_later_conditions():
    doc = document(ext(dest("^(1)$", act("set", "hit=yes-$1", inline="true"))
                       + '<condition field="${hit}" expression="^yes-1$">'
                       + act("log", "${hit}") + '</condition>'))
    result = hunt(doc, "default", {"destination_number": "1"})
    assert result.actions == (("log", "yes-1"),)
    assert result.variables["hit"] == "yes-1"


def test_a_queued_set_is_not_seen_by_later_conditions():
    doc = document(ext(dest("^1$", act("set", "hit=yes"))
                       + '<condition field="${hit}" expression="^yes$">'
                       + act("log", "seen") + anti("log", "unseen ${hit}") + '</condition>'))
    result = hunt(doc, "default", {"destination_number": "1"})
    # the anti-action runs after the queued set, so at run time ${hit} is known
    assert result.actions == (("set", "hit=yes"), ("log", "unseen yes"))
    assert "hit" not in result.variables


def test_inline_multiset_unset_export_and_log():
    body = (act("multiset", "a=1 b='two words'  c=${a}", inline="true")
            + act("multiset", "^^;d=4;e=5", inline="true")
            + act("unset", "e", inline="true")
            + act("export", "x=${b}", inline="true")
            + act("export", "nolocal:y=2", inline="true")
            + act("log", "INFO hello", inline="true"))
    variables = hunt(document(ext(dest("", body))), "default", {}).variables
    # c is empty: the data is expanded before multiset sets a; "nolocal:" keeps its prefix locally
    assert variables == {"a": "1", "b": "two words", "d": "4", "x": "two words",
                         "nolocal:y": "2", "export_vars": "x,nolocal:y"}


def test_set_with_an_empty_value_unsets_and_comma_separates_too():
    body = (act("set", "a=1", inline="true") + act("set", "a=", inline="true")
            + act("set", "b,2", inline="true"))
    assert hunt(document(ext(dest("", body))), "default", {}).variables == {"b": "2"}


def test_an_inline_application_that_is_not_modelled_is_refused():
    with pytest.raises(Unsupported):
        hunt(document(ext(dest("", act("bridge", "user/1", inline="true")))), "default", {})


def test_queued_data_is_expanded_when_it_runs():
    doc = document(ext(dest("^(\\d+)$", act("set", "target=$1")
                            + act("bridge", "user/${target}@${domain_name}${missing}"))))
    result = hunt(doc, "default", {"destination_number": "101", "domain_name": "pbx"})
    assert result.queued == (("set", "target=101"),
                             ("bridge", "user/${target}@${domain_name}${missing}"))
    assert result.actions == (("set", "target=101"), ("bridge", "user/101@pbx"))


def test_missing_data_is_empty_and_loop_repeats():
    doc = document(ext(dest("", act("answer") + act("log", "x", loop="2")
                            + act("log", "never", loop="0"))))
    assert actions(doc) == [("answer", ""), ("log", "x"), ("log", "x")]


# --- variable expansion -----------------------------------------------------------------------

def test_expansion_rules():
    variables = {"a": "hello", "ref": "${a}!", "name": "a"}
    assert expand("${a} [${unknown}] ${ref} ${${name}}", variables) == "hello [] hello! hello"
    assert expand("${a:1} ${a:1:3} ${a:-2} ${a:9}|", variables) == "ello ell lo |"
    assert expand("\\${a} \\\\ it\\'s \\d", variables) == "${a} \\ its \\d"
    assert expand("untouched: \\d+ $1 $ \\$", {}) == "untouched: \\d+ $1 $ \\$"
    assert expand("escapes alone trigger it: \\'", {}) == "escapes alone trigger it: "


def test_api_calls_and_preprocessor_globals_stay_verbatim():
    variables = {"user": "101"}
    text = ("${hash(select/realm/${user})} ${user_data(${user}@pbx var x)} "
            "${cond(${user} == 101 ? a : b)} $${domain} ${user}")
    assert expand(text, variables) == text[:-len("${user}")] + "101"


def test_api_calls_survive_into_actions():
    doc = document(ext(dest("^(\\d+)$", act("bridge", "${sofia_contact(*/$1@${domain_name})}"))))
    assert actions(doc, destination_number="101", domain_name="pbx") == \
        [("bridge", "${sofia_contact(*/101@${domain_name})}")]


# --- regression: the dialplan FreeSWITCH 1.10.12 really ran ----------------------------------

CAPTURED_DIALPLAN = payload("xml_curl/answer_dialplan_default.xml")


def captured_call_variables():
    """Caller profile (Hunt-*) and channel variables of the captured dialplan request 1000->1001."""
    request = fields("1d_dialplan_default_1001")
    profile = {"destination_number": "Destination-Number", "caller_id_number": "Caller-ID-Number",
               "caller_id_name": "Caller-ID-Name", "username": "Username", "ani": "ANI",
               "network_addr": "Network-Addr", "context": "Context"}
    variables = {name: request[f"Hunt-{header}"] for name, header in profile.items()}
    variables.update((key[len("variable_"):], value) for key, value in request.items()
                     if key.startswith("variable_"))
    return variables


def test_the_captured_call_to_1001_matches_what_freeswitch_ran():
    variables = captured_call_variables()
    assert variables["domain_name"] == FS_DOMAIN
    result = hunt(CAPTURED_DIALPLAN, variables["context"], variables)
    cdr = etree.fromstring(payload("xml_cdr/2a_answered_encode_true_a_leg.cdr.xml"))
    ran = [(a.get("app_name"), a.get("app_data")) for a in cdr.find("app_log")]
    queued = [(a.get("app_name"), a.get("app_data")) for a in cdr.find("callflow/extension")]
    assert list(result.actions) == ran == [
        ("export", "dialed_extension=1001"),
        ("set", "call_timeout=15"),
        ("set", "hangup_after_bridge=true"),
        ("bridge", "user/1001@127.0.0.1"),
    ]
    assert list(result.queued) == queued
    assert result.queued[-1] == ("bridge", "user/${dialed_extension}@${domain_name}")
    # export is not inline: dialed_extension is unknown while hunting
    assert "dialed_extension" not in result.variables
    cdr_dp_match = [v.text for v in cdr.find("variables").iterchildren("DP_MATCH")]
    assert result.variables["DP_MATCH"] == "ARRAY::" + "|:".join(cdr_dp_match)


def test_the_captured_dialplan_for_the_other_numbers():
    assert actions(CAPTURED_DIALPLAN, destination_number="3000") == \
        [("answer", ""), ("conference", "3000@default")]
    assert actions(CAPTURED_DIALPLAN, destination_number="5000") == \
        [("socket", "127.0.0.1:8084 async full")]
    assert actions(CAPTURED_DIALPLAN, destination_number="1020") == []


def test_globals_answer_what_the_channel_does_not_hold():
    """switch_channel_get_variable_dup: channel, then caller profile, then the globals
    (vars.xml's set), e.g. the outbound socket's address."""
    doc = document(ext(dest("^1$", act("multiset", "switchctl_flow=voicemail")
                            + act("socket", "${switchctl_socket} async full")
                            + act("log", "${domain} ${destination_number}"))))
    found = hunt(doc, "default", {"destination_number": "1", "domain": "channel.example"},
                 globals={"switchctl_socket": "127.0.0.1:8084", "domain": "global.example",
                          "destination_number": "9"})
    assert list(found.actions)[1:] == [("socket", "127.0.0.1:8084 async full"),
                                       ("log", "channel.example 1")]
    assert "switchctl_socket" not in found.variables  # not the channel's own


# --- the digit machine (bind_digit_action) ----------------------------------------------------

def bda(digits, value, flags="", side="self", realm="r"):
    return ("bind_digit_action",
            f"{realm},{digits},exec{f'[{flags}]' if flags else ''}:execute_extension,{value},"
            f"{side},{side}")


def pressed(machine, keys):
    return [(r.binding.value, r.digits, r.at_timeout) if isinstance(r, DigitMatch) else
            ("passed", r.digits) for r in machine.press(keys)]


def test_a_priority_code_acts_at_its_last_key_even_beside_a_regex():
    machine = digit_machines([bda("*4#", "park", "P"), bda(r"~^\#\d\d+$", "blind")])["self"]
    assert pressed(machine, "*4#") == [("park", "*4#", False)]
    assert pressed(machine, "#103") == [("blind", "#103", True)]  # at the digit timeout
    assert pressed(machine, "5") == [("passed", "5")]  # after the timeout, to the other party


def test_a_plain_code_waits_for_the_timeout_while_a_regex_is_bound():
    plain = [bda("*4#", "park"), bda(r"~^\#\d\d+$", "blind")]
    assert pressed(digit_machines(plain)["self"], "*4#") == [("park", "*4#", True)]
    alone = digit_machines([bda("*4#", "park"), bda("*1", "record")])["self"]
    assert pressed(alone, "*4#5") == [("park", "*4#", False), ("passed", "5")]
    # "*1" is also the start of "*12": taken only at the timeout
    longer = digit_machines([bda("*1", "record"), bda("*12", "other")])["self"]
    assert pressed(longer, "*1") == [("record", "*1", True)]
    assert pressed(longer, "*12") == [("other", "*12", False)]


def test_digits_no_binding_can_start_pass_at_once_without_a_regex():
    machine = digit_machines([bda("*1", "record")])["self"]
    assert pressed(machine, "5*1") == [("passed", "5"), ("record", "*1", False)]


def test_sides_realms_clearing_and_the_timeout_read_when_the_machine_is_made():
    machines = digit_machines([
        ("multiset", "bind_digit_digit_timeout=2000"),
        bda("*1", "mine", "P"), bda("*1", "theirs", "P", side="peer"),
        ("set", "bind_digit_digit_timeout=900"),
        bda("*2", "old", "P", realm="other"),
        ("clear_digit_action", "other,self"), ("digit_action_set_realm", "r,self"),
    ])
    assert machines["self"].digit_timeout_ms == machines["peer"].digit_timeout_ms == 2000
    assert pressed(machines["self"], "*1") == [("mine", "*1", False)]
    assert pressed(machines["self"], "*2") == [("passed", "*2")]
    (match,) = machines["peer"].press("*1")
    assert (match.binding.value, match.runs_on) == ("theirs", "partner")
    assert digit_machines([bda("*1", "x"), ("clear_digit_action", "all")])["self"] is None
    assert digit_machines([("bind_digit_action", "r,*1")])["self"] is None  # syntax error


def test_a_binding_of_the_same_digits_again_replaces_the_action():
    machine = digit_machines([bda("*1", "first", "P"), bda("*1", "second", "P")])["self"]
    assert len(machine.bindings) == 1 and pressed(machine, "*1") == [("second", "*1", False)]


def test_exec_flags_say_how_the_action_runs():
    (a,) = digit_machines([bda("*1", "park XML in_call", "P")])["self"].press("*1")
    assert a.binding.application == ("execute_extension", "park XML in_call", False, True)
    (b,) = digit_machines([bda("*1", "x", "iH")])["self"].press("*1")
    assert b.binding.application == ("execute_extension", "x", True, False)


def test_the_real_switch_ran_what_the_model_says_for_our_bindings():
    """in_call/default_102: our answer to 101 -> 102; the switch then ran record_call on
    101's leg for ~*1 at once, transfer_blind for ~#103 after the digit timeout (2 s), and
    transfer_attended on 102's leg for ~*2103 pressed there (in_call/*.body.txt)."""
    document = payload("in_call/default_102.answer.xml")
    found = hunt(document, "default", {"destination_number": "102", "user_name": "101",
                                       "domain_name": "pbx.local"})
    machines = digit_machines(found.actions)
    assert machines["self"].digit_timeout_ms == 2000
    assert pressed(machines["self"], "*1") == [("record_call XML in_call", "*1", False)]
    assert pressed(machines["self"], "#103") == [("transfer_blind XML in_call", "#103", True)]
    (attended,) = machines["peer"].press("*2103")
    assert (attended.binding.value, attended.digits, attended.runs_on) == \
        ("transfer_attended XML in_call", "*2103", "partner")

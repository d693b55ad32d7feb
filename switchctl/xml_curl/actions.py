"""Routes and the common action sequences the dialplan builders put in them."""

import dataclasses

from switchctl.freeswitch import prompts, variables
from switchctl.freeswitch.commands import FLOW_SOCKET


@dataclasses.dataclass(frozen=True)
class Route:
    """A named list of (application, data) pairs that FreeSWITCH runs in order."""

    name: str
    actions: tuple


def multiset(**variables):
    """One ``multiset`` action (mod_dptools: ``multiset <var>=<value> <var2>=<value2>``,
    space-separated) setting several channel variables; values hold no spaces."""
    return ("multiset", " ".join(f"{name}={value}" for name, value in variables.items()))


def refuse(name, prompt, cause):
    """Early media with a prompt, then hang up with ``cause``; nothing is answered."""
    return Route(name, (
        ("pre_answer", ""),
        ("sleep", "500"),
        ("playback", prompt),
        ("hangup", cause),
    ))


def stay(name, *steps):
    """Play ``steps`` (prompt names, or (application, data) pairs) and let the call go on:
    an in-call code's answer (xml_curl/in_call.py) that changes nothing, or its prompts
    before it returns to the call."""
    return Route(name, tuple(("playback", step) if isinstance(step, str) else step
                             for step in steps))


def confirm(name, *steps):
    """Answer, play ``steps`` (prompt names, or (application, data) pairs), hang up."""
    played = tuple(("playback", step) if isinstance(step, str) else step for step in steps)
    return Route(name, (("answer", ""), ("sleep", "500"), *played, ("hangup", "NORMAL_CLEARING")))


def invalid(name):
    """A feature code used wrongly: say so, change nothing."""
    return refuse(name, prompts.INVALID_ENTRY, "NORMAL_CLEARING")


def say_digits(number):
    """``say`` each digit of a number already checked to be digits (and maybe a +)."""
    return ("say", f"en number iterated {number.lstrip('+')}")


def to_flow(name, flow, **channel_variables):
    """Hand the call to the call flow ``flow`` (switchctl.ivr.FLOWS) on our outbound socket,
    with ``channel_variables`` (values hold no spaces) for the flow to read."""
    return Route(name, (
        multiset(**{variables.FLOW: flow}, **channel_variables),
        ("socket", FLOW_SOCKET),
    ))

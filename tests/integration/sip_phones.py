"""Phones for the integration tier: sipp registering and calling over SIP on loopback."""

import socket
import subprocess
from pathlib import Path

SCENARIOS = Path(__file__).parent / "sipp"
TIMEOUT = 20


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _sipp(*args):
    return ["sipp", *args, "-i", "127.0.0.1", "-m", "1", "-nostdin", "-timeout", f"{TIMEOUT}s"]


def register(sip, number, password, port):
    """REGISTER ``number`` with digest auth from 127.0.0.1:``port``; True on 200."""
    command = _sipp(str(sip), "-sf", str(SCENARIOS / "register.xml"), "-s", number,
                    "-au", number, "-ap", password, "-p", str(port), "-aa")
    return subprocess.run(command, capture_output=True, timeout=TIMEOUT + 5,
                          check=False).returncode == 0


def answering_phone(port):
    """A phone on ``port`` that answers one call and waits for its BYE (sipp's uas)."""
    return subprocess.Popen(_sipp("-sn", "uas", "-p", str(port)), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def dial_code(sip, caller, password, code):
    """``caller`` dials a feature code; the switch answers, prompts and hangs up itself
    (so the scenario, which expects to hang up, is not judged)."""
    command = _sipp(str(sip), "-sf", str(SCENARIOS / "call.xml"), "-s", code,
                    "-key", "caller", caller, "-au", caller, "-ap", password,
                    "-p", str(free_udp_port()))
    subprocess.run(command, capture_output=True, timeout=TIMEOUT + 5, check=False)


def call_answered_by_phone(sip, caller, password, destination, port):
    """``caller`` calls ``destination``; True when the phone on ``port`` answered it and
    the call ended cleanly on both sides."""
    phone = answering_phone(port)
    try:
        return call(sip, caller, password, destination) and phone.wait(timeout=30) == 0
    finally:
        if phone.poll() is None:
            phone.kill()


def call(sip, caller, password, destination):
    """``caller`` dials ``destination``, answers the 407 challenge, talks 1 s and hangs up;
    True when the call was answered and ended cleanly."""
    command = _sipp(str(sip), "-sf", str(SCENARIOS / "call.xml"), "-s", destination,
                    "-key", "caller", caller, "-au", caller, "-ap", password,
                    "-p", str(free_udp_port()))
    return subprocess.run(command, capture_output=True, timeout=TIMEOUT + 5,
                          check=False).returncode == 0

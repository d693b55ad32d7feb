"""Phones for the integration tier: sipp registering and calling over SIP on loopback."""

import socket
import subprocess
import time
from pathlib import Path

SCENARIOS = Path(__file__).parent / "sipp"
TIMEOUT = 20
TALK = 1  # seconds a call is talked before the caller hangs up


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _sipp(*args, calls=1):
    return ["sipp", *args, "-i", "127.0.0.1", "-m", str(calls), "-nostdin",
            "-timeout", f"{TIMEOUT}s"]


def register(sip, number, password, port, expires=300):
    """REGISTER ``number`` with digest auth from 127.0.0.1:``port`` (``expires=0``
    unregisters that contact); True on 200."""
    command = _sipp(str(sip), "-sf", str(SCENARIOS / "register.xml"), "-s", number,
                    "-au", number, "-ap", password, "-p", str(port), "-aa",
                    "-key", "expires", str(expires))
    return subprocess.run(command, capture_output=True, timeout=TIMEOUT + 5,
                          check=False).returncode == 0


def answering_phone(port, calls=1):
    """A phone on ``port`` that answers ``calls`` calls (at once, if they come so) and waits
    for their BYEs (sipp's uas), returned once it listens (an INVITE to a closed port fails
    at once with 503)."""
    phone = subprocess.Popen(_sipp("-sn", "uas", "-p", str(port), calls=calls),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and phone.poll() is None and _port_free(port):
        time.sleep(0.02)
    return phone


def _port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def dial_code(sip, caller, password, code):
    """``caller`` dials a feature code; the switch answers, prompts and hangs up itself
    (so the scenario, which expects to hang up, is not judged)."""
    subprocess.run(_call_command(sip, caller, password, code), capture_output=True,
                   timeout=TIMEOUT + 5, check=False)


def _call_command(sip, caller, password, destination, talk=TALK):
    return _sipp(str(sip), "-sf", str(SCENARIOS / "call.xml"), "-s", destination,
                 "-key", "caller", caller, "-au", caller, "-ap", password,
                 "-p", str(free_udp_port()), "-d", str(int(talk * 1000)))


def call_answered_by_phone(sip, caller, password, destination, port):
    """``caller`` calls ``destination``; True when the phone on ``port`` answered it and
    the call ended cleanly on both sides."""
    phone = answering_phone(port)
    try:
        return call(sip, caller, password, destination) and phone.wait(timeout=30) == 0
    finally:
        if phone.poll() is None:
            phone.kill()


def calling(sip, caller, password, destination, talk=TALK):
    """``caller`` dials ``destination``, answers the 407 challenge, talks ``talk`` seconds
    and hangs up: the running sipp (exit code 0 when the call was answered and ended
    cleanly)."""
    return subprocess.Popen(_call_command(sip, caller, password, destination, talk),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def call(sip, caller, password, destination):
    """``calling``, waited for; True when the call was answered and ended cleanly."""
    return calling(sip, caller, password, destination).wait(timeout=TIMEOUT + 5) == 0

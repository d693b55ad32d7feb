"""A stand-in for FreeSWITCH's mod_verto, for the browser tests of the web phone: a
WebSocket server (websockets' threaded server) speaking Verto's JSON-RPC as the real
switch does (tests/data/verto/ holds its real frames): ``login`` answered, then
``verto.clientReady``; ``verto.invite`` answered "CALL CREATED", then ``verto.answer``
with an SDP answer the browser accepts; replies to bye, info, modify and answer; and,
driven by the test, an incoming ``verto.invite`` (the real switch's DTLS offer, as
recorded), a ``verto.bye``, a dropped connection.

No media flows: the answer's ICE candidates lead nowhere. What the browser sent is kept
in ``received`` (every frame) for the test to read."""

import json
import threading
import time
import uuid
from pathlib import Path

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import serve

RECORDED = Path(__file__).resolve().parent.parent / "data" / "verto"
AUTH_FAILED = -32001


def recorded_offer():
    """The DTLS-SRTP offer the real switch sent a Verto login for an incoming call."""
    frames = json.loads((RECORDED / "incoming_call_taken_elsewhere.json").read_text())
    invite = next(r["frame"] for r in frames if r["frame"].get("method") == "verto.invite")
    return invite["params"]["sdp"]


def answer_to(offer):
    """An SDP answer to a browser's audio offer: its first audio section's mid, opus,
    ICE credentials and a DTLS fingerprint (the browser checks their form only)."""
    mid = next((line[6:].strip() for line in offer.splitlines()
                if line.startswith("a=mid:")), "0")
    fingerprint = ":".join(["AB"] * 32)
    return "\r\n".join([
        "v=0", "o=FreeSWITCH 1 2 IN IP4 127.0.0.1", "s=FreeSWITCH", "t=0 0",
        f"a=group:BUNDLE {mid}", "a=msid-semantic: WMS",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 127.0.0.1",
        "a=ice-ufrag:fake", "a=ice-pwd:fakefakefakefakefakefake",
        f"a=fingerprint:sha-256 {fingerprint}", "a=setup:active", f"a=mid:{mid}",
        "a=sendrecv", "a=rtcp-mux", "a=rtpmap:111 opus/48000/2", ""])


class FakeVerto:
    def __init__(self, accept=lambda login, password: bool(password)):
        self.accept = accept  # (login, passwd) -> whether the login is good
        self.received = []  # every frame the browsers sent, parsed, in order
        self.logins = []  # (login, passwd) of every login asked
        self.answer_after = 0.3  # seconds from an invite to the far end's answer
        self._socket = None  # the current connection
        self._lock = threading.Lock()
        self._next_id = 100
        self._server = serve(self._session, "127.0.0.1", 0)
        self.port = self._server.socket.getsockname()[1]
        self.url = f"ws://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()

    # What the test does as the switch.

    def invite(self, number, name):
        """The switch rings the browser: its callID."""
        call_id = str(uuid.uuid4())
        self._request("verto.invite", {
            "callID": call_id, "sdp": recorded_offer(), "caller_id_name": name,
            "caller_id_number": number, "callee_id_name": "Outbound Call",
            "callee_id_number": "101", "display_direction": "outbound"})
        return call_id

    def hang_up(self, call_id, cause="NORMAL_CLEARING"):
        self._request("verto.bye", {"callID": call_id, "causeCode": 16, "cause": cause})

    def drop(self):
        """The connection goes away (the switch restarts, the network fails)."""
        socket = self._socket
        if socket is not None:
            socket.close()

    def sent(self, method):
        """The params of every request ``method`` the browsers sent."""
        return [m.get("params", {}) for m in list(self.received) if m.get("method") == method]

    def wait_for(self, method, count=1, seconds=10):
        """The params of the ``count``-th ``method`` the browsers sent, once it came."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = self.sent(method)
            if len(found) >= count:
                return found[count - 1]
            time.sleep(0.05)
        raise AssertionError(f"no {method} #{count} from the browser: got "
                             f"{[m.get('method', 'reply') for m in self.received]}")

    # The protocol.

    def _session(self, socket):
        self._socket = socket
        try:
            for text in socket:
                try:
                    message = json.loads(text)
                except ValueError:
                    continue
                self.received.append(message)
                if "method" in message:
                    self._answer(socket, message)
        except ConnectionClosed:
            pass
        finally:
            if self._socket is socket:
                self._socket = None

    def _answer(self, socket, message):
        method, params, number = message["method"], message.get("params", {}), message.get("id")
        dialog = params.get("dialogParams", {})
        if method == "login":
            self.logins.append((params.get("login"), params.get("passwd")))
            if not self.accept(params.get("login"), params.get("passwd")):
                self._send(socket, {"jsonrpc": "2.0", "id": number, "error": {
                    "code": AUTH_FAILED, "message": "Authentication Failure"}})
                return
            self._send(socket, {"jsonrpc": "2.0", "id": number, "result": {
                "message": "logged in", "sessid": params.get("sessid")}})
            self._request("verto.clientReady", {"reattached_sessions": []}, socket)
        elif method == "verto.invite":
            call_id = dialog.get("callID")
            self._send(socket, {"jsonrpc": "2.0", "id": number, "result": {
                "message": "CALL CREATED", "callID": call_id, "sessid": params.get("sessid")}})
            threading.Timer(self.answer_after, self._request, ("verto.answer", {
                "callID": call_id, "sdp": answer_to(params.get("sdp", ""))}, socket)).start()
        elif method == "verto.modify":
            held = params.get("action") == "hold"
            self._send(socket, {"jsonrpc": "2.0", "id": number, "result": {
                "callID": dialog.get("callID"), "action": params.get("action"),
                "holdState": "held" if held else "active"}})
        else:  # bye, info, answer, attach
            self._send(socket, {"jsonrpc": "2.0", "id": number, "result": {
                "callID": dialog.get("callID"), "message": "OK"}})

    def _request(self, method, params, socket=None):
        with self._lock:
            self._next_id += 1
            number = self._next_id
        self._send(socket or self._socket, {"jsonrpc": "2.0", "id": number, "method": method,
                                            "params": params})

    @staticmethod
    def _send(socket, message):
        if socket is None:
            raise AssertionError("no browser is connected")
        try:
            socket.send(json.dumps(message))
        except ConnectionClosed:
            pass

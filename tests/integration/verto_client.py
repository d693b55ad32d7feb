"""A Verto client for the integration tier, without a browser: JSON-RPC 2.0 over
mod_verto's plain WebSocket (websocket-client), as freeswitch-facts.md §5 and
mod_verto.c describe it: ``login`` then ``verto.clientReady``; ``verto.invite`` with a
plain RTP/AVP G.711 A-law offer (what the sipp phones answer with; no a=fingerprint, so
the switch engages no DTLS for a call the client places); the switch's ``verto.media``/
``verto.answer``/``verto.bye``; and replies to every request the switch sends (as the
protocol wants)."""

import json
import queue
import threading
import time
import uuid

import websocket

OFFER = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
         "m=audio {port} RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n"
         "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\n")


class VertoError(AssertionError):
    pass


class VertoClient:
    def __init__(self, url, timeout=10):
        self.socket = websocket.create_connection(url, timeout=timeout)
        self.sessid = str(uuid.uuid4())
        self.timeout = timeout
        self._next_id = 1
        self._answers = {}  # request id -> Queue of the switch's reply
        self.frames = []  # ("sent" | "received", text): every frame, in order
        self.requests = queue.Queue()  # the switch's requests: (method, params)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        while True:
            try:
                frame = self.socket.recv()
            except websocket.WebSocketTimeoutException:
                continue  # a quiet moment (the socket's timeout is for the handshake)
            except (websocket.WebSocketException, OSError):
                frame = ""
            if not frame:  # closed (by the switch, or by close())
                self.requests.put(("closed", {}))
                return
            self.frames.append(("received", frame))
            message = json.loads(frame)
            if "method" in message:  # the switch asks: answer, then hand it on
                self._send({"jsonrpc": "2.0", "id": message.get("id"),
                            "result": {"method": message["method"]}})
                self.requests.put((message["method"], message.get("params", {})))
            else:
                self._answers.setdefault(message.get("id"), queue.Queue()).put(message)

    def call(self, method, params):
        """Send a request; the switch's reply (``result`` or ``error``)."""
        number = self._next_id
        self._next_id += 1
        answers = self._answers.setdefault(number, queue.Queue())
        self._send({"jsonrpc": "2.0", "id": number, "method": method,
                    "params": {"sessid": self.sessid, **params}})
        return answers.get(timeout=self.timeout)

    def _send(self, message):
        text = json.dumps(message)
        self.frames.append(("sent", text))
        self.socket.send(text)

    def save(self, path, secrets=()):
        """Write the frames as a JSON list of {"direction", "frame"} (the recordings the
        dialer's JavaScript tests read), each of ``secrets`` replaced by "<secret>"."""
        recorded = []
        for direction, text in self.frames:
            for secret in secrets:
                text = text.replace(secret, "<secret>")
            recorded.append({"direction": direction, "frame": json.loads(text)})
        with open(path, "w") as out:
            json.dump(recorded, out, indent=1)
            out.write("\n")

    def login(self, login, password):
        return self.call("login", {"login": login, "passwd": password})

    def next_request(self, method, seconds=None):
        """The switch's next request ``method`` (others are skipped), its params."""
        deadline = time.monotonic() + (seconds or self.timeout)
        seen = []
        while time.monotonic() < deadline:
            try:
                found, params = self.requests.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if found == method:
                return params
            seen.append(found)
        raise VertoError(f"no {method} from the switch (came: {seen})")

    def answer_sdp(self, seconds=None):
        """The SDP a call's answer brings, as the web phone takes it: in verto.answer, or in
        the verto.media before it when the switch gave early media first (its verto.answer
        then carries none)."""
        early = ""
        deadline = time.monotonic() + (seconds or self.timeout)
        while time.monotonic() < deadline:
            try:
                found, params = self.requests.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if found == "verto.media":
                early = params.get("sdp", "")
            elif found == "verto.answer":
                return params.get("sdp") or early
        raise VertoError("no verto.answer from the switch")

    def invite(self, destination, caller="101", port=40000):
        call_id = str(uuid.uuid4())
        answer = self.call("verto.invite", {
            "sdp": OFFER.format(port=port),
            "dialogParams": {"callID": call_id, "destination_number": destination,
                             "caller_id_name": "browser", "caller_id_number": caller}})
        if "error" in answer:
            raise VertoError(f"verto.invite refused: {answer['error']}")
        return call_id

    def bye(self, call_id):
        return self.call("verto.bye", {"dialogParams": {"callID": call_id}})

    def close(self):
        try:
            self.socket.close()
        except (websocket.WebSocketException, OSError):
            pass

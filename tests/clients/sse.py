"""A server-sent-events reader for tests, on gevent sockets (the fake switch keeps running)."""

import json

import gevent
from gevent import socket


class EventStream:
    """``GET path`` over HTTP/1.0 (no chunking: the body is the raw event text)."""

    def __init__(self, host, port, path="/events", cookies=None):
        self.sock = socket.create_connection((host, port), timeout=10)
        cookie = "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())
        request = f"GET {path} HTTP/1.0\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n"
        if cookie:
            request += f"Cookie: {cookie}\r\n"
        self.sock.sendall((request + "\r\n").encode())
        self.reader = self.sock.makefile("rb")
        self.status = int(self.reader.readline().split()[1])
        self.headers = {}
        while (line := self.reader.readline().decode().rstrip("\r\n")):
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()

    def next(self, timeout=10):
        """The next event as ``(name, data)``, comments and ``retry:`` skipped."""
        with gevent.Timeout(timeout, AssertionError("no event in time")):
            name, data = "message", []
            while True:
                line = self.reader.readline()
                if not line:
                    raise AssertionError("the stream ended")
                line = line.decode().rstrip("\n")
                if not line:
                    if data:
                        return name, json.loads("\n".join(data))
                    name = "message"
                elif line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())

    def next_named(self, wanted, timeout=10):
        """Skip to the next ``wanted`` event."""
        with gevent.Timeout(timeout, AssertionError(f"no {wanted} event in time")):
            while True:
                name, data = self.next(timeout)
                if name == wanted:
                    return data

    def close(self):
        self.reader.close()
        self.sock.close()

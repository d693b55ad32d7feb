"""A real SMTP server for the tests: aiosmtpd, in a process of its own (it runs asyncio,
the tests run gevent).

``python -m tests.servers.smtp FOLDER [--port N] [--mode smtp|starttls|smtps]
[--cert PEM --key PEM] [--login USER:PASSWORD]`` prints ``listening PORT`` once it accepts
connections. Each message it accepts is written into FOLDER before the 250 answer goes
out: ``TIME-N.eml`` (the bytes as received) and then ``TIME-N.json`` (envelope, whether the session
was TLS, the user logged in). Recipients at ``nobody@`` are refused with 550 and at
``busy@`` with 451, with the words in REFUSALS. ``--login`` makes AUTH required.

``SmtpServer`` (the tests' side) starts and stops it and reads what it received.
"""

import argparse
import asyncio
import json
import os
import ssl
import subprocess
import sys
import time
from email import message_from_bytes, policy
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REFUSALS = {
    "nobody": "550 5.1.1 <{address}>: no such user here",
    "busy": "451 4.2.1 <{address}>: mailbox busy, try again later",
}


class Received:
    """aiosmtpd's handler: refuses the REFUSALS recipients, writes the rest down."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refusal = REFUSALS.get(address.partition("@")[0])
        if refusal:
            return refusal.format(address=address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        # Named by time: a server started again on the folder adds after what is there.
        stem = self.folder / f"{time.time_ns():020d}-{self.count}"
        stem.with_suffix(".eml").write_bytes(envelope.original_content)
        facts = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                 "tls": server.transport.get_extra_info("ssl_object") is not None,
                 "user": session.auth_data.login.decode() if session.authenticated else None}
        partial = stem.with_suffix(".part")
        partial.write_text(json.dumps(facts))
        os.replace(partial, stem.with_suffix(".json"))
        return "250 2.0.0 queued"


def authenticator(user, password):
    from aiosmtpd.smtp import AuthResult

    def check(server, session, envelope, mechanism, auth_data):
        good = auth_data.login == user.encode() and auth_data.password == password.encode()
        if not good:  # handled=False: aiosmtpd answers the refusal itself
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=auth_data)
    return check


def tls_context(args):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)
    return context


async def serve(args):
    from aiosmtpd.smtp import SMTP

    loop = asyncio.get_running_loop()
    handler = Received(args.folder)
    context = tls_context(args) if args.mode != "smtp" else None
    login = {}
    if args.login:
        user, _, password = args.login.partition(":")
        login = {"authenticator": authenticator(user, password), "auth_required": True,
                 # Over smtps the whole session is TLS; aiosmtpd only knows of STARTTLS.
                 "auth_require_tls": args.mode == "starttls"}

    def session():
        return SMTP(handler, hostname="smtp.test", loop=loop,
                    tls_context=context if args.mode == "starttls" else None,
                    require_starttls=args.mode == "starttls", **login)

    server = await loop.create_server(session, "127.0.0.1", args.port,
                                      ssl=context if args.mode == "smtps" else None)
    print(f"listening {server.sockets[0].getsockname()[1]}", flush=True)
    await server.serve_forever()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mode", choices=("smtp", "starttls", "smtps"), default="smtp")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--login")
    asyncio.run(serve(parser.parse_args()))


class SmtpServer:
    """The server above as a process of this test: ``start()`` returns once it listens."""

    def __init__(self, folder, mode="smtp", port=0, cert=None, login=None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.mode, self.port, self.cert, self.login = mode, port, cert, login
        self.process = None

    def start(self):
        command = [sys.executable, "-m", "tests.servers.smtp", str(self.folder),
                   "--port", str(self.port), "--mode", self.mode]
        if self.cert is not None:
            command += ["--cert", str(self.cert.cert), "--key", str(self.cert.key)]
        if self.login:
            command += ["--login", self.login]
        self.process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("listening "):
            raise RuntimeError(f"the test SMTP server did not start ({self.process.wait()})")
        self.port = int(line.split()[1])
        return self

    def stop(self):
        """Gone, as a server that went down; ``start()`` again listens on the same port."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process.stdout.close()
            self.process = None

    def url(self, scheme=None, userinfo=""):
        scheme = scheme or {"smtp": "smtp", "starttls": "smtp+starttls",
                            "smtps": "smtps"}[self.mode]
        return f"{scheme}://{userinfo + '@' if userinfo else ''}127.0.0.1:{self.port}"

    def received(self):
        """``[(facts, EmailMessage)]`` of every message accepted so far, in order."""
        return [(json.loads(path.read_text()),
                 message_from_bytes(path.with_suffix(".eml").read_bytes(),
                                    policy=policy.default))
                for path in sorted(self.folder.glob("*.json"))]


if __name__ == "__main__":
    main()

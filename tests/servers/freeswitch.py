"""A private FreeSWITCH for the integration tier, started once per test session.

The binary is ``SWITCHCTL_TEST_FREESWITCH`` or /opt/freeswitch/bin/freeswitch (what
``../shared/freeswitch/install.sh`` installs: FreeSWITCH 1.10.12, its modules, sipp).
The repository's ``freeswitch-conf/`` is copied into a folder /tmp/switchctl-fs-*; only
that copy's vars.xml is edited: SIP, media, Verto and the event socket on 127.0.0.1,
ports free at start (the event socket, both SIP profiles, SIP over WebSocket, Verto, and
``switchctl_url``, where the session's ``switchctl serve`` is to serve the switch; its
portal and outbound-socket ports are chosen here too), a random ESL password, and the
gateway ``trunk`` pointed at the switch's own external profile (a fax calls itself). Every
folder FreeSWITCH writes (log, db, run, temp, storage, recordings, sounds, certs, cache)
is inside that folder, but for the self-signed certificates FreeSWITCH makes on its
first start (dtls-srtp.pem, wss.pem: RSA keys, seconds of CPU), kept in
/tmp/switchctl-tls-<uid> for the next sessions, and the media folder. Its sounds folder
holds silent stand-ins for every prompt switchctl plays (tests/servers/sounds.py). Under
root it runs as ``nobody`` (Popen drops the user before exec: FreeSWITCH's own ``-u``
would clear the parent-death signal), with the umask of FreeSWITCH's packaged systemd
unit (0007: what it writes is not for others).

The media folder (``media``, /tmp/switchctl-fs_media-*: switchctl's SWITCHCTL_MEDIA) is
set up as the README asks of an installation where switchctl and FreeSWITCH run as
different users: owned by this process's user (switchctl's), its group FreeSWITCH's
user's group, mode 2770 (setgid: what FreeSWITCH records there belongs to that group,
through which switchctl reads it). The switch is told the folder by another path
(``switch_media``, a symlink in its folder: switchctl's SWITCHCTL_SWITCH_MEDIA), so a
command naming switchctl's own path instead shows.

It runs in the foreground (``-nf -nc``: no fork, no console), dies with the session when
pytest is killed (PR_SET_PDEATHSIG), and ``stop()`` ends it by its PID: SIGTERM, SIGKILL
after a timeout. Folders of sessions that were killed are swept at the next start.
"""

import atexit
import ctypes
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from tests.servers.sounds import write_sounds

DEFAULT_BINARY = "/opt/freeswitch/bin/freeswitch"
CONF = Path(__file__).resolve().parents[2] / "freeswitch-conf"
PREFIX = "switchctl-fs-"
MEDIA_PREFIX = "switchctl-fs_media-"  # not matched by PREFIX's glob
CERT_CACHE = Path(tempfile.gettempdir()) / f"switchctl-tls-{os.getuid()}"
CERTS = ("dtls-srtp.pem", "wss.pem")
HOST = "127.0.0.1"
STATE_FOLDERS = ("log", "db", "run", "temp", "storage", "recordings", "sounds", "certs",
                 "cache")
PROFILES = ("internal", "external")
START_TIMEOUT = 30
STOP_TIMEOUT = 10  # a clean stop takes about 5 s (module unloading)
ATTEMPTS = 3  # fresh ports when one was taken between choosing it and FreeSWITCH binding it
BIND_FAILURE = re.compile(r"Address already in use|Error Creating SIP UA|Socket Error|"
                          r"cannot bind|Cannot bind", re.I)
# An entry's first line (logfile.conf's uuid=true puts the channel's uuid before some).
LOG_LINE = re.compile(r"^(?:\S+ )?\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ [\d.]+% \[(\w+)\]")


UMASK = 0o007  # as FreeSWITCH's packaged systemd unit (debian/freeswitch-systemd...service)


def _die_with_parent():
    """In FreeSWITCH's process: a session killed outright takes its switch with it; the
    umask its package runs it with."""
    os.umask(UMASK)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _free_ports(count):
    """``count`` distinct ports free on loopback for both TCP and UDP (SIP takes both)."""
    probes, ports = [], []
    try:
        while len(ports) < count:
            tcp = socket.socket()
            probes.append(tcp)
            tcp.bind((HOST, 0))
            port = tcp.getsockname()[1]
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            probes.append(udp)
            try:
                udp.bind((HOST, port))
            except OSError:
                continue
            ports.append(port)
    finally:
        for probe in probes:
            probe.close()
    return ports


def _start_time(pid):
    """The process's start time in clock ticks (tells a reused PID apart), or None."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().decode(errors="replace").split("\0")
    except OSError:
        return []


def _in_use(folder):
    """Does the session that made ``folder`` still run (or is it being made right now)?"""
    try:
        owner_pid, owner_start = (folder / "owner").read_text().split()
    except (OSError, ValueError):
        try:
            return time.time() - folder.stat().st_mtime < 60  # yet to write its owner
        except OSError:
            return False
    return _start_time(owner_pid) == owner_start


def _media_of(folder):
    """The media folder of the switch in ``folder``: beside it in the temporary folder
    (both users must reach it; the switch's own folder is closed to others)."""
    folder = Path(folder)
    return folder.with_name(MEDIA_PREFIX + folder.name[len(PREFIX):])


def set_var(vars_xml, name, value):
    """``vars_xml`` with the preprocessor variable ``name`` set to ``value`` (it must be
    set exactly once: a renamed variable fails here, not as a switch on the wrong port)."""
    pattern = re.compile(r'(<X-PRE-PROCESS cmd="set" data="' + re.escape(name) + r'=)[^"]*(")')
    edited, count = pattern.subn(lambda match: match[1] + value + match[2], vars_xml)
    if count != 1:
        raise RuntimeError(f"freeswitch-conf/vars.xml sets {name} {count} times, not once")
    return edited


class ESLError(ConnectionError):
    pass


def esl_api(host, port, password, command, timeout=5):
    """The body of ``api <command>`` over a plain event-socket connection."""
    with socket.create_connection((host, port), timeout=timeout) as connection:
        reader = connection.makefile("rb")

        def frame():
            headers = {}
            while (line := reader.readline().decode(errors="replace")) not in ("\n", ""):
                key, _, value = line.partition(":")
                headers[key.strip()] = value.strip()
            if not headers:
                raise ESLError("the event socket closed the connection")
            body = reader.read(int(headers.get("Content-Length", 0)))
            return headers, body.decode(errors="replace")

        if frame()[0].get("Content-Type") != "auth/request":
            raise ESLError("no auth/request from the event socket")
        connection.sendall(f"auth {password}\n\n".encode())
        reply = frame()[0].get("Reply-Text", "")
        if not reply.startswith("+OK"):
            raise ESLError(f"event socket auth: {reply}")
        connection.sendall(f"api {command}\n\n".encode())
        return frame()[1]


class FreeswitchServer:
    def __init__(self, binary=None):
        self.binary = binary or os.environ.get("SWITCHCTL_TEST_FREESWITCH") or DEFAULT_BINARY
        self.process = None
        self.folder = None
        self.password = secrets.token_hex(12)
        self.ports = {}
        self.started_in = None
        self.reaper = None  # the thread finishing a stop(wait=False)

    @property
    def missing(self):
        """Why no FreeSWITCH can be started here, or None."""
        if not (os.path.isfile(self.binary) and os.access(self.binary, os.X_OK)):
            named = os.environ.get("SWITCHCTL_TEST_FREESWITCH")
            return (f"SWITCHCTL_TEST_FREESWITCH={named} is not an executable" if named else
                    f"no FreeSWITCH at {DEFAULT_BINARY}: run `bash ../shared/freeswitch/"
                    "install.sh` (as root), set SWITCHCTL_TEST_FREESWITCH to a freeswitch "
                    "binary, or SWITCHCTL_TEST_FS_ESL to a switch of your own (see README)")
        return None

    # Where things are, once started.
    esl_port = property(lambda self: self.ports["esl"])
    sip = property(lambda self: f"{HOST}:{self.ports['internal_sip']}")
    http = property(lambda self: f"{HOST}:{self.ports['http']}")  # switchctl's portal
    switch_http = property(lambda self: f"{HOST}:{self.ports['switch_http']}")  # switchctl_url
    outbound = property(lambda self: f"{HOST}:{self.ports['outbound']}")

    @property
    def media(self):
        """The media folder (switchctl's SWITCHCTL_MEDIA), see the module's text."""
        return _media_of(self.folder)

    @property
    def switch_media(self):
        """The media folder as the switch is told it (SWITCHCTL_SWITCH_MEDIA)."""
        return str(Path(self.folder) / "switch-media")

    @property
    def log_path(self):
        return Path(self.folder) / "log" / "freeswitch.log"

    def api(self, command, timeout=5):
        return esl_api(HOST, self.esl_port, self.password, command, timeout)

    @staticmethod
    def _user():
        """Under root, the unprivileged user FreeSWITCH runs as (None: as ourselves)."""
        if os.geteuid() != 0:
            return None
        try:
            return pwd.getpwnam("nobody")
        except KeyError:
            return None

    @staticmethod
    def _sweep():
        """Folders of earlier sessions whose pytest is gone: their switch (if it somehow
        outlived its parent) is killed, the folder removed. Live sessions are left alone."""
        for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
            if _in_use(folder):
                continue
            try:
                pid = int((folder / "run" / "freeswitch.pid").read_text().strip())
            except (OSError, ValueError):
                pid = None
            if pid and str(folder / "conf") in _cmdline(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            shutil.rmtree(folder, ignore_errors=True)
            shutil.rmtree(_media_of(folder), ignore_errors=True)

    def start(self):
        atexit.register(self.stop)  # an interrupted session still stops the switch
        self._sweep()
        begun = time.monotonic()
        for attempt in range(1, ATTEMPTS + 1):
            try:
                self._start()
                break
            except RuntimeError as error:
                lost_a_port = BIND_FAILURE.search(str(error))
                self.stop(keep_folder=not lost_a_port or attempt == ATTEMPTS)
                if not lost_a_port or attempt == ATTEMPTS:
                    raise
            except BaseException:
                self.stop()
                raise
        self.started_in = time.monotonic() - begun
        return self

    def _start(self):
        self.folder = tempfile.mkdtemp(prefix=PREFIX)
        folder = Path(self.folder)
        me = os.getpid()
        (folder / "owner").write_text(f"{me} {_start_time(me)}\n")
        shutil.copytree(CONF, folder / "conf")
        for name in STATE_FOLDERS:
            (folder / name).mkdir()
        write_sounds(folder / "sounds")  # silent stand-ins: the switch has no sound files
        for name in CERTS:
            if (CERT_CACHE / name).is_file():
                shutil.copyfile(CERT_CACHE / name, folder / "certs" / name)
        names = ("esl", "internal_sip", "internal_ws", "external_sip", "verto", "verto_secure",
                 "http", "switch_http", "outbound")
        self.ports = dict(zip(names, _free_ports(len(names)), strict=True))
        vars_xml = folder / "conf" / "vars.xml"
        text = vars_xml.read_text()
        for name, value in {
            "bind_ip": HOST, "esl_listen_ip": HOST, "verto_ip": HOST,
            "esl_listen_port": self.ports["esl"], "esl_password": self.password,
            "internal_sip_port": self.ports["internal_sip"],
            "internal_ws_port": self.ports["internal_ws"],
            "external_sip_port": self.ports["external_sip"],
            "verto_port": self.ports["verto"], "verto_secure_port": self.ports["verto_secure"],
            "switchctl_url": f"http://{self.switch_http}",
            "switchctl_socket": self.outbound,
            # The gateway "trunk" calls this switch's own external profile, which takes
            # calls from loopback as from the provider: fax calls itself over SIP.
            "trunk_proxy": f"{HOST}:{self.ports['external_sip']}",
            "trunk_inbound_cidr": f"{HOST}/32",
        }.items():
            text = set_var(text, name, str(value))
        vars_xml.write_text(text)
        user = self._user()
        owner = {}
        if user is not None:
            for path in [folder, *folder.rglob("*")]:
                os.chown(path, user.pw_uid, user.pw_gid)
            owner = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        self._make_media(user)
        command = [self.binary, "-nf", "-nc", "-nonat", "-np", "-conf", str(folder / "conf")]
        for name in STATE_FOLDERS:
            command += [f"-{name}", str(folder / name)]
        with open(folder / "console.txt", "wb") as console:
            self.process = subprocess.Popen(
                command, cwd=folder, stdin=subprocess.DEVNULL, stdout=console, stderr=console,
                preexec_fn=_die_with_parent, **owner)
        self._wait_until_ready()
        self._keep_certificates()

    def _make_media(self, user):
        """The media folder: ours, the switch's user's group, 2770; and its other name."""
        self.media.mkdir()
        if user is not None:
            os.chown(self.media, os.getuid(), user.pw_gid)
        os.chmod(self.media, 0o2770)
        os.symlink(self.media, self.switch_media)

    def _keep_certificates(self):
        """Keep the certificates this switch made for the next sessions (each file is
        renamed into place whole: sessions running side by side never see half of one)."""
        CERT_CACHE.mkdir(mode=0o700, exist_ok=True)
        for name in CERTS:
            made = Path(self.folder) / "certs" / name
            if made.is_file() and not (CERT_CACHE / name).is_file():
                partial = CERT_CACHE / f".{name}.{os.getpid()}"
                shutil.copyfile(made, partial)
                os.chmod(partial, 0o600)
                os.replace(partial, CERT_CACHE / name)

    def _wait_until_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        why = "its event socket did not answer"
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(self.failure(f"FreeSWITCH exited with {self.process.returncode}"
                                                " while starting"))
            try:
                status = self.api("sofia status", timeout=2)
                states = {profile: self._profile_state(status, profile) for profile in PROFILES}
                if all(state.startswith("RUNNING") for state in states.values()):
                    return
                why = f"sofia profiles not running: {states}"
            except (OSError, ESLError) as error:
                why = f"its event socket did not answer ({error})"
            if lost := [line for line in self.log_lines(levels={"ERR", "CRIT"})
                        if BIND_FAILURE.search(line)]:
                raise RuntimeError(self.failure(f"FreeSWITCH could not bind: {lost[0]}"))
            if time.monotonic() > deadline:
                raise RuntimeError(self.failure(f"FreeSWITCH not ready in {START_TIMEOUT} s: "
                                                f"{why}"))
            time.sleep(0.1)

    @staticmethod
    def _profile_state(status, profile):
        for line in status.splitlines():
            fields = line.split("\t")
            if fields and fields[0].strip() == profile and "profile" in line:
                return fields[-1].strip()
        return "absent"

    def channels(self):
        """The switch's channels now, as ``name (callstate)`` (hung-up channels that something
        still holds, e.g. an outbound socket nobody closed, are listed too)."""
        rows = json.loads(self.api("show channels as json") or "{}").get("rows", [])
        return [f"{row.get('name')} ({row.get('callstate')})" for row in rows]

    def hang_up_left_over(self, seconds=5):
        """Wait up to ``seconds`` for the switch to have no channels, then hang up what is
        left and wait as long again; the channels that were left over (empty: none)."""
        deadline = time.monotonic() + seconds
        while (left := self.channels()) and time.monotonic() < deadline:
            time.sleep(0.1)
        if left:
            self.api("hupall NORMAL_CLEARING")
            deadline = time.monotonic() + seconds
            while self.channels() and time.monotonic() < deadline:
                time.sleep(0.1)
        return left

    def log_lines(self, since=0, levels=None, limit=40):
        """The last ``limit`` lines FreeSWITCH logged after byte ``since`` (only ``levels``,
        e.g. {"ERR", "CRIT"}, when given; continuation lines follow their entry)."""
        try:
            with open(self.log_path, "rb") as log:
                log.seek(since)
                text = log.read().decode(errors="replace")
        except (OSError, TypeError):
            return []
        kept, keep = [], levels is None
        for line in text.splitlines():
            if match := LOG_LINE.match(line):
                keep = levels is None or match[1] in levels
            if keep and line.strip():
                kept.append(line)
        return kept[-limit:]

    def log_size(self):
        try:
            return self.log_path.stat().st_size
        except (OSError, TypeError):
            return 0

    def failure(self, what):
        """``what``, followed by FreeSWITCH's own words: its console output, its errors and
        the end of its log."""
        parts = [what, f"(folder {self.folder}, command {' '.join(self.process.args)})"]
        console = Path(self.folder) / "console.txt"
        try:
            if text := console.read_text(errors="replace").strip():
                parts += ["console output:", text[-2000:]]
        except OSError:
            pass
        if errors := self.log_lines(levels={"ERR", "CRIT", "ALERT", "WARNING"}, limit=25):
            parts += ["errors and warnings in freeswitch.log:", *errors]
        last = self.log_lines(levels={"CONSOLE", "INFO", "NOTICE", "WARNING", "ERR", "CRIT",
                                      "ALERT"}, limit=15)
        parts += ["end of freeswitch.log (info and worse):", *(last or ["(no log)"])]
        return "\n".join(parts)

    def stop(self, keep_folder=False, wait=True):
        """SIGTERM, then SIGKILL after STOP_TIMEOUT; the folder is removed. ``wait=False``:
        the SIGTERM now, the rest in a thread (a clean stop takes about 5 s of module
        unloading, which the rest of the session overlaps); the exit waits for that thread."""
        reaper = self.reaper
        if reaper is not None and reaper is not threading.current_thread():
            reaper.join()
        if not wait and self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.reaper = threading.Thread(target=self.stop, args=(keep_folder,), daemon=True)
            self.reaper.start()
            return
        if self.process is not None and self.process.poll() is None:
            if threading.current_thread() is not self.reaper:
                self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self.folder and not keep_folder:
            shutil.rmtree(self.folder, ignore_errors=True)
            shutil.rmtree(self.media, ignore_errors=True)
        self.folder = None

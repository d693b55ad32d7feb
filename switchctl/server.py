"""``switchctl serve``: one gevent process serving the portal and the switch's endpoints.

Nothing a portal user does may slow the switch's requests, and FreeSWITCH waits at most
5 s for an answer. So by default the switch's endpoints have a listener of their own
(``switch_http``), and each listener a pool of connections of its own: a flood of portal
connections fills the portal's pool (further ones wait in the kernel's backlog, costing
no file descriptor here) while the switch's pool and file descriptors stay free. The
process raises its open-files limit to what the system allows at start, and the portal's
pool is sized so that both pools fit in it. Every connection must send its request line
and headers within the ``header_seconds`` setting (HEADER_SECONDS by default; an idle
keep-alive connection is closed then too), and no read or write may stall longer than
IO_SECONDS.
"""

import gc
import logging
import resource
import signal
import socket

from gevent import socket as gsocket

import gevent
import gevent.event
from gevent.pool import Pool
from gevent.pywsgi import WSGIHandler, WSGIServer

from switchctl import certificates, schema
from switchctl.db import open_database
from switchctl.service import build
from switchctl.xml_cdr import spool
from switchctl.xml_curl import app as xml_curl_app

log = logging.getLogger(__name__)


class PathDispatcher:
    """WSGI: requests whose path is in ``routes`` go to that app, the rest to ``default``."""

    def __init__(self, default, routes):
        self.default = default
        self.routes = routes

    def __call__(self, environ, start_response):
        app = self.routes.get(environ.get("PATH_INFO", ""), self.default)
        return app(environ, start_response)


def sides(config, service):
    """``(portal side, switch side)`` WSGI apps. Without ``switch_http`` both are served
    on one port: then the portal side also routes the switch's paths."""
    if config.switch_http is not None:
        return service.portal_app, service.switch_app
    routes = {path: service.switch_app for path in SWITCH_PATHS}
    return PathDispatcher(service.portal_app, routes), None


SWITCH_PATHS = (xml_curl_app.XML_PATH, xml_curl_app.CDR_PATH, xml_curl_app.STATUS_PATH,
                "/healthz")


def listen(address):
    family = socket.AF_INET6 if ":" in address.host else socket.AF_INET
    listener = gsocket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit it on Linux: no 40 ms delayed-ACK stall on keep-alive.
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.bind((address.host, address.port))
    listener.listen(1024)
    return listener


HEADER_SECONDS = 10  # the header_seconds setting's default (switchctl.config)
IO_SECONDS = 30
SWITCH_CONNECTIONS = 256  # FreeSWITCH asks from a few threads; 256 is far more than it opens
PORTAL_CONNECTIONS = 4096  # at most; fewer when the open-files limit is low
RESERVED_FILES = 128  # the database, the event sockets, call flows, logs


class GuardedHandler(WSGIHandler):
    """pywsgi's handler with a deadline for the request line and headers: a client that
    sends them slowly (or nothing, holding the connection open) is cut off."""

    def read_requestline(self):
        self._deadline = gevent.Timeout.start_new(
            self.server.header_seconds, socket.timeout("request line and headers too slow"))
        try:
            line = super().read_requestline()
        except BaseException:
            self._deadline.cancel()
            raise
        if not line:
            self._deadline.cancel()
        return line

    def read_request(self, raw_requestline):
        try:
            return super().read_request(raw_requestline)
        finally:
            self._deadline.cancel()

    def _handle_client_error(self, ex):
        """pywsgi's hook for a request it could not read: a client too slow with its
        headers, or one that went away, is closed without a word (pywsgi would print a
        traceback for each: hundreds at once under a flood)."""
        if isinstance(ex, OSError):
            log.debug("portal or switch client %s: %s", self.client_address, ex)
            return None
        return super()._handle_client_error(ex)


class GuardedServer(WSGIServer):
    """A WSGI server with at most ``connections`` at once and timeouts on every socket."""

    handler_class = GuardedHandler

    def __init__(self, listener, application, connections, header_seconds=HEADER_SECONDS,
                 ssl_context=None):
        tls = {} if ssl_context is None else {"ssl_context": ssl_context}
        super().__init__(listener, application, spawn=Pool(connections), log=None,
                         error_log=log, **tls)
        self.header_seconds = header_seconds

    def wrap_socket_and_handle(self, client_socket, address):
        """HTTPS: the TLS handshake has the headers' time too (a client that starts one
        and stalls is cut off); a failed one (a plain-HTTP request, a browser refusing
        the certificate) is no error of ours."""
        client_socket.settimeout(self.header_seconds)
        try:
            return super().wrap_socket_and_handle(client_socket, address)
        except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
            log.debug("portal client %s: TLS handshake failed: %s", address, exc)
            client_socket.close()
            return None

    def handle(self, sock, address):
        sock.settimeout(IO_SECONDS)
        super().handle(sock, address)


def raise_file_limit():
    """Raise the soft open-files limit to the hard one; return the limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError) as exc:
            log.warning("could not raise the open-files limit from %s (%s)", soft, exc)
    return soft


def portal_connections(file_limit, shared):
    """How many portal connections fit beside the switch's (their pool is one when the
    ports are shared)."""
    room = file_limit - RESERVED_FILES - (0 if shared else SWITCH_CONNECTIONS)
    return max(16, min(PORTAL_CONNECTIONS, room))


def serve(config):
    db = open_database(config.database)
    with db.connection_context():
        schema.require_current(db)
    file_limit = raise_file_limit()
    portal_socket = listen(config.http)
    switch_socket = listen(config.switch_http) if config.switch_http else None
    service = build(config)
    live = service.live
    portal_side, switch_side = sides(config, service)
    shared = switch_side is None
    portal_pool = portal_connections(file_limit, shared)
    tls = certificates.server_context(config)
    server = GuardedServer(portal_socket, portal_side, portal_pool, config.header_seconds,
                           ssl_context=tls)
    switch_server = None
    if not shared:
        switch_server = GuardedServer(switch_socket, switch_side, SWITCH_CONNECTIONS,
                                      config.header_seconds)
        switch_server.start()
    else:
        log.warning("the switch's endpoints share the portal's port (switch_http is empty): "
                    "portal clients can hold up FreeSWITCH's lookups")
    log.info("open files limit %s: up to %s portal connections%s", file_limit, portal_pool,
             "" if shared else f", {SWITCH_CONNECTIONS} for the switch")
    follower = gevent.spawn(live.listener.run)
    importer = _import_spool(config)
    flows = service.flows.start()
    log.info("call flows: outbound event socket on %s", config.outbound)
    mailer = gevent.spawn(service.mailer.run)
    ringer = gevent.spawn(service.wakeup_ringer.run)
    faxes = gevent.spawn(service.fax_sender.run)
    # A signal may come at any moment, even before the portal's server has started (the
    # switch's answers already): it only says to stop, and the stop happens below.
    stopping = gevent.event.Event()
    gevent.signal_handler(signal.SIGTERM, stopping.set)
    gevent.signal_handler(signal.SIGINT, stopping.set)
    server.start()
    log.info("switchctl serving %s, domain %s",
             _where(portal_socket, switch_socket, tls is not None), config.domain)
    # Everything loaded so far lives as long as the process: keep the collector off it.
    gc.freeze()
    stopping.wait()
    server.stop()
    if switch_server is not None:
        switch_server.stop()
    flows.stop()
    service.wakeup_ringer.stop()
    service.fax_sender.stop()
    live.listener.stop()
    gevent.killall([greenlet for greenlet in (follower, importer, mailer, ringer, faxes)
                    if greenlet is not None])


def _import_spool(config):
    """The greenlet importing the records FreeSWITCH kept in ``cdr_spool``, or None."""
    if config.cdr_spool is None:
        return None
    return gevent.spawn(spool.follow, config.cdr_spool, config.domain,
                        config.media_folder)


def _where(portal_socket, switch_socket, https=False):
    def url(sock, scheme="http"):
        host, port = sock.getsockname()[:2]
        return f"{scheme}://{host}:{port}"

    portal = url(portal_socket, "https" if https else "http")
    if switch_socket is None:
        return f"{portal} (portal; xml_curl at {xml_curl_app.XML_PATH})"
    return (f"{portal} (portal) and {url(switch_socket)} (xml_curl at "
            f"{xml_curl_app.XML_PATH}, CDRs, status)")

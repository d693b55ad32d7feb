"""``switchctl serve``: one gevent process serving every HTTP part on one port."""

import gc
import logging
import signal
import socket

from gevent import socket as gsocket

import gevent
from gevent.pywsgi import WSGIServer

from switchctl import schema
from switchctl.db import open_database
from switchctl.service import build
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


def serve(config):
    db = open_database(config.database)
    with db.connection_context():
        schema.require_current(db)
    portal_socket = listen(config.http)
    switch_socket = listen(config.switch_http) if config.switch_http else None
    service = build(config)
    live = service.live
    portal_side, switch_side = sides(config, service)
    server = WSGIServer(portal_socket, portal_side, log=None, error_log=log)
    switch_server = None
    if switch_side is not None:
        switch_server = WSGIServer(switch_socket, switch_side, log=None, error_log=log)
        switch_server.start()
    follower = gevent.spawn(live.listener.run)
    flows = service.flows.start()
    log.info("call flows: outbound event socket on %s", config.outbound)
    gevent.signal_handler(signal.SIGTERM, server.stop)
    gevent.signal_handler(signal.SIGINT, server.stop)
    log.info("switchctl serving %s, domain %s", _where(portal_socket, switch_socket),
             config.domain)
    # Everything loaded so far lives as long as the process: keep the collector off it.
    gc.freeze()
    server.serve_forever()
    if switch_server is not None:
        switch_server.stop()
    flows.stop()
    live.listener.stop()
    follower.kill()


def _where(portal_socket, switch_socket):
    def url(sock):
        host, port = sock.getsockname()[:2]
        return f"http://{host}:{port}"

    if switch_socket is None:
        return f"{url(portal_socket)} (portal; xml_curl at {xml_curl_app.XML_PATH})"
    return (f"{url(portal_socket)} (portal) and {url(switch_socket)} (xml_curl at "
            f"{xml_curl_app.XML_PATH}, CDRs, status)")

"""``switchctl serve``: one gevent process serving every HTTP part on one port."""

import gc
import logging
import signal
import socket

from gevent import socket as gsocket

import gevent
from gevent.pywsgi import WSGIServer

import portal
from switchctl import schema
from switchctl.db import open_database
from switchctl.esl.live import LiveView
from switchctl.esl.outbound import OutboundServer
from switchctl.ivr import FLOWS
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


def build_wsgi(config, live=None):
    switch_app = xml_curl_app.create_app(config, live)
    return PathDispatcher(portal.create_app(config, live), {
        xml_curl_app.XML_PATH: switch_app,
        xml_curl_app.CDR_PATH: switch_app,
        xml_curl_app.STATUS_PATH: switch_app,
        "/healthz": switch_app,
    })


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
    listener = listen(config.http)
    live = LiveView(config)
    server = WSGIServer(listener, build_wsgi(config, live), log=None, error_log=log)
    follower = gevent.spawn(live.listener.run)
    flows = OutboundServer(config.outbound, FLOWS).start()
    log.info("call flows: outbound event socket on %s", config.outbound)
    gevent.signal_handler(signal.SIGTERM, server.stop)
    gevent.signal_handler(signal.SIGINT, server.stop)
    host, port = listener.getsockname()[:2]
    log.info("switchctl serving http://%s:%s (xml_curl at %s, domain %s)", host, port,
             xml_curl_app.XML_PATH, config.domain)
    # Everything loaded so far lives as long as the process: keep the collector off it.
    gc.freeze()
    server.serve_forever()
    flows.stop()
    live.listener.stop()
    follower.kill()

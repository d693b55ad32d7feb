"""The portal's HTTPS (switchctl.certificates): when it is on, the self-signed
certificate made on first start (for this host's names and addresses, its key readable by
the owner only, kept for the next start) or a configured pair; and ``switchctl serve``
answering https on it, with a handshake that stalls cut off like slow headers."""

import socket
import ssl
import stat

import pytest
import requests
from cryptography import x509

from switchctl import certificates, config as config_module
from tests.clients.cli import free_tcp_port, start_serve, switchctl


def settings(tmp_path, **environ):
    return config_module.load({"SWITCHCTL_DATA": str(tmp_path), **environ})


@pytest.mark.parametrize("http, mode, wanted", [
    ("127.0.0.1:8080", "auto", False), ("[::1]:8080", "auto", False),
    ("localhost:8080", "auto", False), ("0.0.0.0:8080", "auto", True),
    ("192.0.2.10:8080", "auto", True), ("127.0.0.1:8080", "1", True),
    ("0.0.0.0:8080", "0", False)])
def test_https_is_on_beyond_loopback_unless_set(tmp_path, http, mode, wanted):
    config = settings(tmp_path, SWITCHCTL_HTTP=http, SWITCHCTL_PORTAL_HTTPS=mode)
    assert certificates.https_wanted(config) is wanted


def test_a_self_signed_certificate_is_made_once_for_this_hosts_names(tmp_path):
    made, key = certificates.self_signed(tmp_path / "tls", "192.0.2.10")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    certificate = x509.load_pem_x509_certificate(made.read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    addresses = {str(a) for a in names.get_values_for_type(x509.IPAddress)}
    assert {"127.0.0.1", "::1", "192.0.2.10"} <= addresses
    assert (certificate.not_valid_after_utc - certificate.not_valid_before_utc).days == \
        certificates.VALID_DAYS
    before = made.read_bytes()
    assert certificates.self_signed(tmp_path / "tls", "192.0.2.10") == (made, key)
    assert made.read_bytes() == before  # kept: the browser's exception for it still holds


def test_a_configured_pair_is_used_and_a_bad_one_named(tmp_path):
    certificate, key = certificates.self_signed(tmp_path / "mine", "127.0.0.1")
    good = settings(tmp_path, SWITCHCTL_PORTAL_HTTPS="1",
                    SWITCHCTL_PORTAL_CERTIFICATE=str(certificate),
                    SWITCHCTL_PORTAL_KEY=str(key))
    assert certificates.server_context(good) is not None
    assert not (tmp_path / "tls").exists()  # nothing made
    (tmp_path / "broken.pem").write_text("not a certificate")
    bad = good.with_changes(portal_certificate=str(tmp_path / "broken.pem"))
    with pytest.raises(certificates.CertificateError, match="portal_certificate"):
        certificates.server_context(bad)


@pytest.mark.parametrize("environ, message", [
    ({"SWITCHCTL_PORTAL_HTTPS": "yes"}, "portal_https"),
    ({"SWITCHCTL_PORTAL_CERTIFICATE": "/etc/cert.pem"}, "set both"),
    ({"SWITCHCTL_PORTAL_KEY": "/etc/key.pem"}, "set both")])
def test_bad_https_settings_are_named(tmp_path, environ, message):
    with pytest.raises(config_module.ConfigError, match=message):
        settings(tmp_path, **environ)


def closed(sock):
    """Did the server close ``sock`` (an end of stream, or a reset for unread bytes)?"""
    try:
        return sock.recv(100) == b""
    except ConnectionResetError:
        return True


def test_serve_answers_https_with_its_certificate(tmp_path):
    init = switchctl(tmp_path, "init", "--demo")
    assert init.returncode == 0, init.stderr
    port = free_tcp_port()
    process = start_serve(tmp_path, f"127.0.0.1:{port}", SWITCHCTL_PORTAL_HTTPS="1",
                          SWITCHCTL_HEADER_SECONDS="1")
    try:
        assert any(f"serving https://127.0.0.1:{port}" in line for line in process.start_log)
        made = tmp_path / "tls" / "portal.pem"
        answer = requests.get(f"https://127.0.0.1:{port}/login", verify=str(made), timeout=10)
        assert answer.status_code == 200 and "csrf_token" in answer.text
        # Plain HTTP on the HTTPS port, and a client that never starts its handshake: cut off.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as plain:
            plain.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\n\r\n")
            assert closed(plain)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as silent:
            assert closed(silent)  # after header_seconds, well before the 10 s here
        context = ssl.create_default_context(cafile=str(made))
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, \
                context.wrap_socket(raw, server_hostname="localhost") as tls:
            assert tls.version() in ("TLSv1.2", "TLSv1.3")
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=10)
    assert "Traceback" not in errors

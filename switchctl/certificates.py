"""The portal's HTTPS: browsers give the web phone the microphone only on an https page
(or one opened at localhost), and an https page may reach Verto only over wss.

``portal_https`` says when: ``auto`` (the default) serves HTTPS when the portal listens
beyond the loopback interface, plain HTTP on loopback; ``1`` always; ``0`` never (behind
a reverse proxy that does TLS). The certificate is the configured one
(``portal_certificate`` and ``portal_key``, PEM files), else a self-signed one made on
first start into ``<data>/tls/`` for this host's name, localhost and its addresses:
browsers warn about it once, as the CooVox manual says ("your connection is not
private": Advanced, then proceed). FreeSWITCH's wss port can use the same pair
(README, "Certificates").

cryptography makes the certificate: a well-kept X.509 library, rather than ASN.1 of our
own or an openssl command that may not be installed.
"""

import datetime
import ipaddress
import logging
import os
import socket
import ssl
from pathlib import Path

from gevent import ssl as cooperative_ssl

from switchctl.config import ConfigError

log = logging.getLogger(__name__)
FOLDER = "tls"
CERTIFICATE, KEY = "portal.pem", "portal.key"
VALID_DAYS = 825  # what browsers accept for a certificate a person trusted by hand


class CertificateError(ConfigError):
    """The configured certificate cannot be used; the message says why."""


def https_wanted(config):
    if config.portal_https == "auto":
        return not _loopback(config.http.host)
    return config.portal_https == "1"


def server_context(config):
    """The SSLContext the portal serves with, or None for plain HTTP."""
    if not https_wanted(config):
        return None
    if config.portal_certificate:
        certificate, key = config.portal_certificate, config.portal_key
    else:
        certificate, key = self_signed(config.data / FOLDER, config.http.host)
    # gevent's SSLContext: its sockets wait in the event loop, never blocking the process.
    context = cooperative_ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(certificate, key)
    except (OSError, ssl.SSLError) as exc:
        raise CertificateError(f"portal_certificate {certificate} / portal_key {key}: "
                               f"cannot be used ({exc})") from None
    return context


def self_signed(folder, bind_host):
    """The paths of this host's self-signed certificate and key, made if missing."""
    folder = Path(folder)
    certificate, key = folder / CERTIFICATE, folder / KEY
    if certificate.exists() and key.exists():
        return certificate, key
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    names, addresses = host_names(bind_host)
    private = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0]),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "switchctl")])
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)
    built = (x509.CertificateBuilder()
             .subject_name(subject).issuer_name(subject)
             .public_key(private.public_key())
             .serial_number(x509.random_serial_number())
             .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=VALID_DAYS))
             .add_extension(x509.SubjectAlternativeName(
                 [x509.DNSName(name) for name in names]
                 + [x509.IPAddress(address) for address in addresses]), critical=False)
             .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
             .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                            critical=False)
             .sign(private, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    key_bytes = private.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())
    _write(key, key_bytes, 0o600)
    _write(certificate, built.public_bytes(serialization.Encoding.PEM), 0o644)
    log.warning("made a self-signed certificate for the portal's HTTPS (%s; %s): browsers "
                "warn about it until it is trusted, or configure portal_certificate",
                ", ".join(names + [str(a) for a in addresses]), certificate)
    return certificate, key


def host_names(bind_host):
    """(DNS names, IP addresses) the portal may be opened at."""
    names = [name for name in dict.fromkeys([socket.gethostname(), socket.getfqdn(),
                                             "localhost"]) if name and _dns_name(name)]
    addresses = [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")]
    try:
        bound = ipaddress.ip_address(bind_host)
    except ValueError:
        bound = None
        if _dns_name(bind_host) and bind_host not in names:
            names.insert(0, bind_host)
    if bound is not None and not bound.is_unspecified:
        addresses.append(bound)
    else:
        addresses.extend(_lan_addresses())
    return names, list(dict.fromkeys(addresses))


def _lan_addresses():
    """This host's address towards the LAN (no packet is sent: a UDP socket's route)."""
    found = []
    for family, probe in ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1")):
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as udp:
                udp.connect((probe, 9))
                found.append(ipaddress.ip_address(udp.getsockname()[0]))
        except OSError:
            continue
    return found


def _dns_name(name):
    return all(part and len(part) <= 63 and part.replace("-", "").isalnum() and part.isascii()
               for part in name.split("."))


def _loopback(host):
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _write(path, data, mode):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)

"""Linli as an office runs it for many users: Streamlit replicas behind nginx with TLS.

Shared by the browser test (tests/e2e/test_replicas.py) and the load benchmark. nginx runs on
the configuration deploy/render_nginx.py gives an office, rendered as a standalone nginx.conf
in a temporary folder, on a free loopback port: the same code runs as root (CI) and as an
unprivileged user.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import pwd
import re
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from deploy import render_nginx
from tests.e2e.conftest import free_port

NGINX = os.environ.get("LINLI_NGINX", "/usr/sbin/nginx")
# The staff server answers any name (it comes first on its port); the public server this one:
# send it as the Host header to reach the public rating page.
STAFF_HOST = "localhost"
PUBLIC_HOST = "rate.localhost"
PUBLIC_ACCESS_LOG = "linli-public-access.log"


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for localhost, rate.localhost and 127.0.0.1, valid for a day, and its key
    (PEM files in `folder`)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, STAFF_HOST)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName(STAFF_HOST), x509.DNSName(PUBLIC_HOST),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        ]), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)  # read by nginx's master, which runs as whoever runs the test
    return cert_path, key_path


def nginx_available() -> bool:
    return os.access(NGINX, os.X_OK)


def start_nginx(folder: Path, replica_addresses: Sequence[str], *,
                public_upstream: Sequence[str] | str | None = None) -> tuple[subprocess.Popen, str, Path]:
    """nginx in front of `replica_addresses` (host:port each), on a free loopback port, with a
    fresh self-signed certificate: (process, https url, access log). With `public_upstream`,
    the same port also serves the public server to requests whose Host is PUBLIC_HOST; its log is
    `folder / PUBLIC_ACCESS_LOG`."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = self_signed_certificate(folder / "tls")
    port = free_port()
    # A master started by root hands the workers to `nobody`, who could not write the temporary
    # folders (upload bodies are buffered there) inside a private test folder: keep the workers
    # as the user running the test. An unprivileged master ignores the line, so it is left out.
    user = pwd.getpwuid(os.geteuid()).pw_name if os.geteuid() == 0 else None
    listen = f"127.0.0.1:{port}"
    config = render_nginx.render(
        replicas=list(replica_addresses), server_name=STAFF_HOST, cert=str(cert), key=str(key), listen=listen,
        public_upstream=public_upstream, public_server_name=PUBLIC_HOST if public_upstream else None,
        public_listen=listen, log_dir=str(folder), pid=str(folder / "nginx.pid"), temp_dir=str(folder / "temp"),
        user=user)
    conf = folder / "nginx.conf"
    conf.write_text(config, encoding="utf-8")
    (folder / "temp").mkdir(exist_ok=True)
    output = (folder / "nginx.out").open("a")
    process = subprocess.Popen(
        # -e: the error log from the first line on (before the configuration names its own);
        # -p: a prefix of our own, so nothing is looked for under /usr/share/nginx or /var/lib/nginx.
        [NGINX, "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(conf), "-g", "daemon off;"],
        stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    _wait_for_tls(port, process, folder)
    return process, f"https://127.0.0.1:{port}", folder / "linli-access.log"


def _wait_for_tls(port: int, process: subprocess.Popen, folder: Path, timeout: float = 20) -> None:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with {process.returncode}:\n{_nginx_errors(folder)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as raw, \
                    context.wrap_socket(raw, server_hostname=STAFF_HOST):
                return
        except OSError:
            time.sleep(0.1)
    stop(process)
    raise RuntimeError(f"nginx did not accept TLS on port {port} in time:\n{_nginx_errors(folder)}")


def _nginx_errors(folder: Path) -> str:
    return "\n".join(path.read_text(errors="replace") for path in (folder / "nginx.out", folder / "error.log")
                     if path.exists())


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """End a server this module or tests.e2e.conftest started: SIGTERM (nginx's fast shutdown,
    which does not wait for open websockets), then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def access_log_lines(path: Path) -> list[dict[str, str]]:
    """The access log (log_format linli) as dicts: request, status, and the key=value fields
    (rt, upstream, ustatus, route)."""
    lines = []
    for raw in path.read_text(errors="replace").splitlines() if path.exists() else []:
        found = re.match(r'\S+ \[[^]]*\] "([^"]*)" (\d+) \d+ (.*)$', raw)
        if found:
            fields = {key: quoted or bare for key, quoted, bare in re.findall(r'(\w+)=(?:"([^"]*)"|(\S+))', found[3])}
            lines.append({"request": found[1], "status": found[2], **fields})
    return lines

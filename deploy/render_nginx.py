"""Print the nginx configuration that puts Linli's Streamlit replicas behind one HTTPS address.

Run by an office's IT person (Python 3.11 standard library only, no virtualenv needed):

    python3 deploy/render_nginx.py --replicas 127.0.0.1:8601,127.0.0.1:8602 \\
        --server-name linli.office.lan --cert /etc/ssl/linli/cert.pem --key /etc/ssl/linli/key.pem \\
        --redirect-http > /etc/nginx/sites-available/linli

and, with `--public-upstream 127.0.0.1:8610 --public-server-name rate.example.org`, a second
server that publishes only the residents' rating page of a public-only instance.

Without `--pid` the output is a site file for /etc/nginx/sites-available (it goes inside the
http{} block of Debian's nginx.conf). With `--pid` it is a complete, standalone nginx.conf whose
pid file, logs and temporary folders all live where the arguments say: the browser test runs
nginx that way, from a temporary folder, on the very configuration `render` gives an office.

Why each line is there is said beside it in the output.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

# Streamlit's server.maxUploadSize in .streamlit/config.toml (MB); `make check` refuses more.
MAX_UPLOAD_MB = 20
# A file travels as multipart/form-data: boundary lines, part headers and the file name come on
# top of the file. Streamlit's own streaming cap allows exactly 1 MB of such framing
# (_MAX_UPLOAD_MULTIPART_OVERHEAD_BYTES in streamlit/web/server/starlette/starlette_routes.py)
# and re-checks the file's own size after parsing, so nginx lets through what Streamlit would
# take and no more: a file of exactly 20 MB passes, a body over 21 MB is refused by nginx (413)
# before it reaches a replica, and Streamlit refuses a file in between itself.
CLIENT_MAX_BODY_MB = MAX_UPLOAD_MB + 1

ROUTE_COOKIE = "linli_route"

# Content-Security-Policy: nothing by default, each kind of content from this origin only, and the
# few relaxations measured with Chromium (every screen of every demo role, a rating QR code made
# and downloaded, the public rating page; tests/e2e/test_replicas.py asserts that no violation is
# reported while a user logs in, imports a roster, works, fails over and logs out). Each tuple is
# (directive, sources, why): the why of every source beyond 'self' is written into the output.
CSP: tuple[tuple[str, str, str], ...] = (
    ("default-src", "'none'", ""),
    ("script-src",
     "'self' 'wasm-unsafe-eval' 'sha256-THxz9J9+wf7rhwR2YkXJoSZ13UCmYyC+3lNDv2+8ugA=' "
     "'sha256-CLFEkP0dgnFU04lAyNI12tJzuaDySVyrOCO6rb04XmE='",
     "'wasm-unsafe-eval': Streamlit's protobuf decoder (long.js) compiles a tiny built-in WebAssembly "
     "module for 64-bit numbers (it falls back to JavaScript, but Chromium reports the refusal); not "
     "'unsafe-eval': Vega charts run on vega-interpreter. The hashes are the only inline scripts: "
     "`window.prerenderReady = false` in Streamlit 1.67's index.html, and the webpack loader in the "
     "index.html of extra-streamlit-components 0.1.81's cookie manager, the same-origin iframe that "
     "writes the login cookie. Another version changes them: tests/unit/test_deploy.py names the new hash."),
    ("style-src", "'self' 'unsafe-inline'",
     "Streamlit's components are styled at run time by Emotion and styled-components (<style> "
     "elements) and React (style attributes); Streamlit gives them no nonce"),
    ("img-src", "'self' data:",
     "rating QR codes are drawn as data:image/svg+xml (segno, ui/qr.py), and so are some of "
     "Streamlit's icons"),
    ("font-src", "'self' data:", "Streamlit's stylesheet inlines one font (KaTeX_Size3) as a data: URL"),
    ("connect-src", "'self'", ""),  # the websocket (wss: to this host), uploads, health checks
    ("frame-src", "'self'", ""),  # components: the cookie manager's iframe
    ("base-uri", "'none'", ""),
    ("form-action", "'none'", ""),  # Streamlit's forms are sent over the websocket, never submitted
    ("frame-ancestors", "'self'", ""),
)


def content_security_policy() -> str:
    return "; ".join(f"{directive} {sources}" for directive, sources, _ in CSP)


def _csp_comment() -> list[str]:
    lines = ["# Content-Security-Policy: nothing by default, then this origin only ('self'), except (each",
             "# measured: Chromium reported a violation without it):"]
    for directive, sources, why in CSP:
        if why:
            lines += _wrapped(f"{directive} {sources}: {why}", first="#   ", rest="#       ")
    return lines


def _wrapped(text: str, *, first: str, rest: str, width: int = 100) -> list[str]:
    lines, line = [], first
    for word in text.split():
        if len(line) + len(word) + 1 > width and line.strip("# "):
            lines.append(line.rstrip())
            line = rest
        line += word + " "
    return [*lines, line.rstrip()]


def _split(addresses: str | Sequence[str]) -> list[str]:
    items = addresses.split(",") if isinstance(addresses, str) else list(addresses)
    found = [item.strip() for item in items if item.strip()]
    if not found:
        raise ValueError("at least one replica address (host:port) is needed")
    for item in found:
        host, _, port = item.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"a replica address is host:port, not {item!r}")
    return found


def _port_of(listen: str | int) -> str:
    return str(listen).rpartition(":")[2]


def _indent(lines: list[str], depth: int = 1) -> list[str]:
    return [("    " * depth + line) if line else "" for line in lines]


def _proxy_settings() -> list[str]:
    return [
        "# Set at server level only: a location with one proxy_set_header of its own drops them all.",
        "proxy_http_version 1.1;",
        "# The Host the browser sent, port included: Streamlit accepts a websocket whose Origin",
        "# matches this Host exactly ($host would drop a non-default port).",
        "proxy_set_header Host $http_host;",
        "proxy_set_header X-Real-IP $remote_addr;",
        "# nginx is the edge: what a client claims in X-Forwarded-For is replaced, not appended to.",
        "proxy_set_header X-Forwarded-For $remote_addr;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Forwarded-Host $http_host;",
        "# A websocket handshake is passed on as one (Streamlit's /_stcore/stream).",
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection $linli_connection;",
        "# A replica whose process is gone refuses at once; a hung machine is given up on after 5 s.",
        "proxy_connect_timeout 5s;",
        "# Either way the request goes to the next replica. A request already sent is never sent",
        "# again (nginx's rule for PUT and POST): an upload is not written twice.",
        "proxy_next_upstream error timeout;",
    ]


def _location(path: str, upstream: str, *, websocket: bool = False) -> list[str]:
    body = [f"proxy_pass http://{upstream};"]
    if websocket:
        body += [
            "# One websocket per browser tab, open as long as the tab is, idle for hours perhaps.",
            "# A replica that dies closes it at once: the long timeouts never delay a failover.",
            "proxy_read_timeout 1d;",
            "proxy_send_timeout 1d;",
            "proxy_buffering off;",
        ]
    return [f"location {path} {{", *_indent(body), "}"]


def _upstream(name: str, addresses: list[str]) -> list[str]:
    return [
        f"upstream {name} {{",
        "    # Sticky by a cookie, not by client address (an office's users share one NAT address):",
        "    # Streamlit keeps a tab's session in one process, and a file upload (an HTTP PUT) must",
        "    # reach the process that holds the tab's websocket.",
        "    hash $linli_route consistent;",
        "    # One refused or timed-out connection marks a replica down for 10 s; its users go to",
        "    # another one (proxy_next_upstream), and the consistent hash keeps them there.",
        *[f"    server {address} max_fails=1 fail_timeout=10s;" for address in addresses],
        "}",
    ]


def _security_headers() -> list[str]:
    return [
        "# Headers Streamlit does not send, on every response (`always`: error pages too). No location",
        "# below has an add_header of its own: one would drop all of these for that location.",
        "# The CSP's relaxations are explained at the top of this file.",
        f'add_header Content-Security-Policy "{content_security_policy()}" always;',
        "# The same rule as frame-ancestors 'self', for browsers that know only this header (others",
        "# ignore it when the CSP has frame-ancestors). SAMEORIGIN, not DENY: the login cookie is",
        "# written by a same-origin iframe (streamlit-authenticator's cookie manager component),",
        "# which DENY keeps from loading: no cookie, and a reload logs the user out.",
        "add_header X-Frame-Options SAMEORIGIN always;",
        "# Nothing in Linli or Streamlit reads the Referer.",
        "add_header Referrer-Policy no-referrer always;",
        "add_header Strict-Transport-Security max-age=31536000 always;",
        "add_header X-Content-Type-Options nosniff always;",
        "# The routing cookie, only on the answer to a request that came without a valid one",
        "# (nginx leaves out a header whose value is empty).",
        "add_header Set-Cookie $linli_route_cookie always;",
    ]


def _tls(cert: str, key: str) -> list[str]:
    return [
        f"ssl_certificate {cert};",
        f"ssl_certificate_key {key};",
        "ssl_protocols TLSv1.2 TLSv1.3;",
        "ssl_prefer_server_ciphers off;",
        "ssl_session_timeout 1d;",
        "ssl_session_cache shared:linli_tls:10m;",
        "ssl_session_tickets off;",
    ]


def _server(*, listen: str | int, server_name: str, cert: str, key: str, access_log: str, body_size: list[str],
            locations: list[str]) -> list[str]:
    body = [
        f"listen {listen} ssl;",
        f"server_name {server_name};",
        *_tls(cert, key),
        "",
        f"access_log {access_log} linli;",
        *body_size,
        "",
        *_security_headers(),
        "",
        *_proxy_settings(),
        "",
        *locations,
    ]
    return ["server {", *_indent(body), "}"]


def render(*, replicas: str | Sequence[str], server_name: str, cert: str, key: str, listen: str | int = 443,
           public_upstream: str | Sequence[str] | None = None, public_server_name: str | None = None,
           public_listen: str | int = 443, redirect_http: bool = False, log_dir: str = "/var/log/nginx",
           pid: str | None = None, temp_dir: str | None = None, user: str | None = None) -> str:
    """The nginx configuration: a site file, or with `pid` a complete standalone nginx.conf
    (logs in `log_dir`, temporary files in `temp_dir`, workers run as `user` when the master runs
    as root)."""
    staff = _split(replicas)
    public = _split(public_upstream) if public_upstream else None
    if public and not public_server_name:
        raise ValueError("--public-upstream needs --public-server-name")
    log = log_dir.rstrip("/") or "/"
    site: list[str] = [
        "# Linli behind nginx: written by deploy/render_nginx.py. Change its arguments and render",
        "# again rather than editing this file.",
        "",
        "# upstream names the replica that answered (\"dead, alive\" when nginx passed the request on);",
        "# a websocket's line (/_stcore/stream) is written when the tab closes or its replica goes away.",
        "log_format linli '$remote_addr [$time_local] \"$request\" $status $body_bytes_sent rt=$request_time '",
        "                 'upstream=\"$upstream_addr\" ustatus=\"$upstream_status\" route=$linli_route';",
        "",
        f"# Sticky routing: the {ROUTE_COOKIE} cookie names the browser; a browser without a valid one",
        "# gets this request's random id, and the cookie to keep it.",
        f"map $cookie_{ROUTE_COOKIE} $linli_route {{",
        f"    \"~^[0-9a-f]{{32}}$\" $cookie_{ROUTE_COOKIE};",
        "    default $request_id;",
        "}",
        f"map $cookie_{ROUTE_COOKIE} $linli_route_cookie {{",
        "    \"~^[0-9a-f]{32}$\" \"\";",
        f"    default \"{ROUTE_COOKIE}=$request_id; Path=/; HttpOnly; Secure; SameSite=Lax\";",
        "}",
        "",
        "map $http_upgrade $linli_connection {",
        "    default upgrade;",
        "    \"\" close;",
        "}",
        "",
        *_csp_comment(),
        "",
        "# nginx's version stays out of headers and error pages.",
        "server_tokens off;",
        "",
        *_upstream("linli_replicas", staff),
    ]
    if public:
        site += ["", *_upstream("linli_public", public)]
    if redirect_http:
        port = _port_of(listen)
        target = "https://$host" + ("" if port == "443" else f":{port}") + "$request_uri"
        site += ["", "# Plain HTTP only redirects to HTTPS.", "server {", "    listen 80;",
                 f"    server_name {server_name}{' ' + public_server_name if public else ''};",
                 f"    return 301 {target};", "}"]
    site += ["", "# Staff: the whole app.", *_server(
        listen=listen, server_name=server_name, cert=cert, key=key, access_log=f"{log}/linli-access.log",
        body_size=[
            f"# Streamlit's server.maxUploadSize is {MAX_UPLOAD_MB} MB; a file travels as multipart/form-data, whose",
            "# boundaries and part headers Streamlit allows 1 MB more for (and then checks the file",
            f"# itself): a {MAX_UPLOAD_MB} MB roster passes, anything bigger is refused here with a 413.",
            f"client_max_body_size {CLIENT_MAX_BODY_MB}m;"],
        locations=[*_location("/", "linli_replicas"), *_location("/_stcore/stream", "linli_replicas", websocket=True)],
    )]
    if public:
        site += ["", *_public_server(listen=public_listen, server_name=str(public_server_name), cert=cert, key=key,
                                     access_log=f"{log}/linli-public-access.log")]
    if pid is None:
        return "\n".join(site) + "\n"
    return _standalone(site, pid=pid, log=log, temp_dir=temp_dir or f"{log}/temp", user=user)


def _public_server(*, listen: str | int, server_name: str, cert: str, key: str, access_log: str) -> list[str]:
    """Residents' phones reach only the rating page of the public-only instance (LINLI_PUBLIC_ONLY=1)
    and what that page loads; everything else, uploads and Streamlit's other endpoints
    included, is a 404 from nginx."""
    locations = [
        "# The page a rating QR code opens (ui/nav.py PUBLIC_RATING), the two requests the page makes",
        "# before it connects (it tries /rate/_stcore/... first: a 404, as from Streamlit itself),",
        "# and index.html's icon.",
        *_location(r"~ ^/(rate|_stcore/health|_stcore/host-config|favicon\.png)$", "linli_public"),
        *_location("= /_stcore/stream", "linli_public", websocket=True),
        "# Streamlit's JavaScript, stylesheets and fonts.",
        *_location("/static/", "linli_public"),
        "# The tab icon of st.set_page_config (app.py), served as a media file; nothing else of",
        "# the public-only instance is.",
        *_location(r"~ ^/media/[0-9a-f]+\.png$", "linli_public"),
        "# Everything else: staff pages, uploads (/_stcore/upload_file), components, metrics.",
        "location / {",
        "    return 404;",
        "}",
    ]
    return ["# Residents: the public rating page only.",
            *_server(listen=listen, server_name=server_name, cert=cert, key=key, access_log=access_log,
                     body_size=["# The page sends nothing but its websocket.", "client_max_body_size 16k;"],
                     locations=locations)]


def _standalone(site: list[str], *, pid: str, log: str, temp_dir: str, user: str | None) -> str:
    temp = temp_dir.rstrip("/")
    head = [
        "# A complete nginx.conf: run as `nginx -c THIS_FILE -g 'daemon off;'`.",
        # Only a master running as root switches its workers to this user (nginx ignores the
        # line otherwise); they must be able to write the temporary folders below.
        *([f"user {user};"] if user else []),
        "worker_processes 1;",
        "# A load test holds a websocket per simulated tab: two connections each through nginx.",
        "worker_rlimit_nofile 8192;",
        f"pid {pid};",
        f"error_log {log}/error.log notice;",
        "events {",
        "    worker_connections 4096;",
        "}",
        "http {",
        "    default_type application/octet-stream;",
        "    sendfile on;",
        f"    client_body_temp_path {temp}/client_body;",
        f"    proxy_temp_path {temp}/proxy;",
        f"    fastcgi_temp_path {temp}/fastcgi;",
        f"    uwsgi_temp_path {temp}/uwsgi;",
        f"    scgi_temp_path {temp}/scgi;",
        "",
    ]
    return "\n".join([*head, *_indent(site), "}"]) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", required=True, help="the staff replicas, host:port,host:port,...")
    parser.add_argument("--server-name", required=True, help="the name staff type, e.g. linli.office.lan")
    parser.add_argument("--listen", default="443", help="port (or address:port) of the HTTPS server (default 443)")
    parser.add_argument("--cert", required=True, help="TLS certificate (full chain, PEM)")
    parser.add_argument("--key", required=True, help="its private key (PEM)")
    parser.add_argument("--redirect-http", action="store_true", help="also answer port 80 with a redirect to HTTPS")
    parser.add_argument("--public-upstream", help="the public-only instance(s) (LINLI_PUBLIC_ONLY=1), host:port,...")
    parser.add_argument("--public-server-name", help="the name in the rating QR codes, e.g. rate.example.org")
    parser.add_argument("--public-listen", default="443", help="port (or address:port) of the public server")
    parser.add_argument("--log-dir", default="/var/log/nginx", help="folder of the access logs (default /var/log/nginx)")
    parser.add_argument("--pid", help="write a standalone nginx.conf with this pid file (tests)")
    parser.add_argument("--temp-dir", help="standalone: folder of nginx's temporary files (default LOG_DIR/temp)")
    parser.add_argument("--user", help="standalone: the workers' user when nginx starts as root")
    args = parser.parse_args(argv)
    try:
        text = render(replicas=args.replicas, server_name=args.server_name, cert=args.cert, key=args.key,
                      listen=args.listen, public_upstream=args.public_upstream,
                      public_server_name=args.public_server_name, public_listen=args.public_listen,
                      redirect_http=args.redirect_http, log_dir=args.log_dir, pid=args.pid, temp_dir=args.temp_dir,
                      user=args.user)
    except ValueError as exc:
        parser.error(str(exc))
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""deploy/: the nginx configuration render_nginx.py writes, the systemd units and the settings file,
checked against the code they serve. The configuration at work (replicas, failover, CSP in
Chromium) is tests/e2e/test_replicas.py."""

from __future__ import annotations

import base64
import configparser
import hashlib
import re
import shlex
import subprocess
import tomllib
from pathlib import Path

import pytest

from core import cli
from core.base import settings
from deploy import render_nginx
from tests import replicas
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def site(**extra: object) -> str:
    return render_nginx.render(**{"replicas": "127.0.0.1:8601,127.0.0.1:8602", "server_name": "linli.office.lan",
                                  "cert": "/etc/ssl/linli/cert.pem", "key": "/etc/ssl/linli/key.pem",
                                  "public_upstream": "127.0.0.1:8610", "public_server_name": "rate.example.org",
                                  "redirect_http": True, **extra})


def directives_by_block(text: str) -> list[tuple[str, str]]:
    """(innermost block, directive line) for every directive, comments left out."""
    found, stack = [], []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip() if not raw.strip().startswith("#") else ""
        if not line:
            continue
        if line.endswith("{"):
            stack.append(line.split()[0])
        elif line == "}":
            stack.pop()
        else:
            found.append((stack[-1] if stack else "", line))
    return found


def test_headers_are_set_at_server_level_only():
    """A location with an add_header (or proxy_set_header) of its own drops every one of the
    server level: the security headers would vanish from that location's answers."""
    lines = directives_by_block(site())
    assert not [line for block, line in lines
                if block == "location" and line.split()[0] in ("add_header", "proxy_set_header")]
    headers = [line for block, line in lines if block == "server" and line.startswith("add_header")]
    assert all(line.endswith(" always;") for line in headers), headers
    for name in ("Content-Security-Policy", "X-Frame-Options", "Referrer-Policy", "Strict-Transport-Security",
                 "X-Content-Type-Options", "Set-Cookie"):
        assert sum(f"add_header {name} " in line for line in headers) == 2, name  # staff and public servers


def test_the_upload_limit_follows_streamlits():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == render_nginx.MAX_UPLOAD_MB
    assert f"client_max_body_size {render_nginx.MAX_UPLOAD_MB + 1}m;" in site()


def test_routing_is_sticky_by_cookie_and_moves_off_a_dead_replica():
    text = site()
    upstream = text[text.index("upstream linli_replicas {"):]
    upstream = upstream[:upstream.index("}")]
    assert "hash $linli_route consistent;" in upstream and "ip_hash" not in text
    assert upstream.count("max_fails=1 fail_timeout=10s;") == 2
    assert "proxy_next_upstream error timeout;" in text
    assert 'default "linli_route=$request_id; Path=/; HttpOnly; Secure; SameSite=Lax";' in text


def test_standalone_mode_is_a_whole_nginx_conf_and_the_site_file_is_not():
    whole = site(pid="/tmp/t/nginx.pid", temp_dir="/tmp/t/temp", log_dir="/tmp/t", user="root")
    assert whole.startswith("# A complete nginx.conf") and "pid /tmp/t/nginx.pid;" in whole
    assert all(f"{kind}_temp_path /tmp/t/temp/" in whole for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                       "scgi"))
    assert site(log_dir="/tmp/t") in whole.replace("\n    ", "\n")  # the same site, indented into http{}
    assert not [line for block, line in directives_by_block(site()) if line.split()[0] in ("user", "pid", "events")]


@pytest.mark.parametrize("bad", ["", "8601", "127.0.0.1:", "127.0.0.1:port"])
def test_a_replica_address_is_host_and_port(bad):
    with pytest.raises(ValueError):
        render_nginx.render(replicas=bad, server_name="x", cert="c", key="k")


def test_the_command_line_renders_what_render_returns(capsys):
    args = ["--replicas", "127.0.0.1:8601", "--server-name", "x", "--cert", "c", "--key", "k", "--listen", "8443",
            "--redirect-http"]
    assert render_nginx.main(args) == 0
    assert capsys.readouterr().out == render_nginx.render(replicas="127.0.0.1:8601", server_name="x", cert="c",
                                                          key="k", listen="8443", redirect_http=True)
    assert "return 301 https://$host:8443$request_uri;" in render_nginx.render(
        replicas="127.0.0.1:8601", server_name="x", cert="c", key="k", listen="8443", redirect_http=True)


def test_the_site_file_is_one_nginx_accepts(tmp_path: Path):
    """Inside an http{} block, as Debian's nginx.conf includes sites-enabled/."""
    if not replicas.nginx_available():
        if IN_CI:
            pytest.fail(f"nginx is required in CI but missing at {replicas.NGINX}")
        pytest.skip("nginx not installed (apt-get install nginx); CI runs this")
    cert, key = replicas.self_signed_certificate(tmp_path / "tls")
    text = site(cert=str(cert), key=str(key), log_dir=str(tmp_path))
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\nhttp {{\n{text}}}\n")
    checked = subprocess.run([replicas.NGINX, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
                              "-c", str(conf)], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr


def test_the_policy_hashes_are_the_inline_scripts_of_the_installed_packages():
    """The CSP allows two inline scripts by hash. An upgrade of Streamlit or of
    extra-streamlit-components that changes one is named here with the new hash (the browser test
    would report it as a violation)."""
    import extra_streamlit_components
    import streamlit

    pages = [Path(streamlit.__file__).parent / "static" / "index.html",
             Path(extra_streamlit_components.__file__).parent / "CookieManager" / "frontend" / "build" / "index.html"]
    script_src = dict((directive, sources) for directive, sources, _ in render_nginx.CSP)["script-src"]
    for page in pages:
        scripts = re.findall(r"<script>(.*?)</script>", page.read_text(encoding="utf-8"), re.S)
        assert len(scripts) == 1, page
        digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
        assert f"'sha256-{digest}'" in script_src, f"{page}: its inline script is now 'sha256-{digest}'"


def test_the_settings_file_names_every_setting():
    named = set(re.findall(r"^#?([A-Z][A-Z_]+)=", (DEPLOY / "linli.env.example").read_text(), re.M))
    assert {variable for variable, _ in settings._FIELDS.values()} <= named


def units() -> dict[str, configparser.ConfigParser]:
    found = {}
    for path in sorted((DEPLOY / "systemd").iterdir()):
        unit = configparser.ConfigParser(strict=False, interpolation=None)
        unit.optionxform = str  # keys are case-sensitive
        unit.read(path, encoding="utf-8")
        found[path.name] = unit
    return found


def test_the_units_run_commands_that_exist():
    services = {name: unit for name, unit in units().items() if name.endswith(".service")}
    assert set(services) == {"linli@.service", "linli-public.service", "linli-backup.service",
                             "linli-anonymise.service"}
    commands = {}
    for name, unit in services.items():
        words = shlex.split(unit["Service"]["ExecStart"])
        assert words[0] == "/opt/linli/.venv/bin/python" and words[1] == "-m", name
        assert unit["Service"]["EnvironmentFile"] == "/etc/linli/linli.env"
        assert unit["Service"]["User"] == "linli" and unit["Service"]["NoNewPrivileges"] == "yes"
        assert unit["Service"]["ProtectSystem"] == "strict"
        if words[2] == "core.cli":
            commands[name] = cli.parser().parse_args(words[3:]).func.__name__
        else:
            assert words[2:5] == ["streamlit", "run", "app.py"] and "--server.address" in words, name
    assert commands == {"linli-backup.service": "cmd_backup", "linli-anonymise.service": "cmd_anonymise"}
    assert units()["linli-public.service"]["Service"]["Environment"] == "LINLI_PUBLIC_ONLY=1"
    assert "%i" in units()["linli@.service"]["Service"]["ExecStart"]


def test_each_timer_starts_its_service():
    found = units()
    for name in ("linli-backup.timer", "linli-anonymise.timer"):
        assert name.replace(".timer", ".service") in found
        assert found[name]["Timer"]["Persistent"] == "true" and found[name]["Timer"]["OnCalendar"]

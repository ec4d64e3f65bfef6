import re
from pathlib import Path

import pytest

from core.base import audit, config_check, settings
from core.base.i18n import LANGUAGES, catalogue, translate
from core.mediation import agreements
from core.mediation import service as mediations
from core.residents import service as residents
from core.training import service as training

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("", "missing"),
        ("some_key", "example value"),
        ("short-but-random-Kx8", "bytes"),
        ("a" * 40, "too few characters"),
    ],
)
def test_weak_cookie_keys_are_refused(key, problem):
    found = settings.problems(settings.Settings(cookie_key=key))
    assert any(problem in line for line in found), found


def test_generated_keys_are_accepted():
    generated = settings.Settings(cookie_key=settings.new_secret(), id_encryption_key=settings.new_secret(),
                                  id_hash_key=settings.new_secret())
    assert settings.problems(generated) == []


def test_missing_id_keys_are_refused():
    found = settings.problems(settings.Settings(cookie_key=settings.new_secret()))
    assert any("id_encryption_key" in line for line in found) and any("id_hash_key" in line for line in found)


def test_environment_overrides_secrets():
    loaded = settings.load(secrets={"database_url": "sqlite:///a.db", "cookie_expiry_hours": 4},
                           env={"DATABASE_URL": "postgresql://x@y/z"})
    assert loaded.database_url == "postgresql://x@y/z" and loaded.cookie_expiry_hours == 4.0
    assert settings.load(secrets={}, env={}).cookie_expiry_hours == 8.0


def test_bad_numbers_in_settings_say_which_setting():
    with pytest.raises(ValueError, match="cookie_expiry_hours"):
        settings.load(secrets={"cookie_expiry_hours": "eight"}, env={})


def test_secrets_file_is_created_private_and_never_overwritten(tmp_path):
    path = tmp_path / ".streamlit" / "secrets.toml"
    assert settings.write_default_secrets(path, env={}) == ["cookie_key", "id_encryption_key", "id_hash_key"]
    first = path.read_text()
    assert settings.write_default_secrets(path, env={}) == []
    assert path.read_text() == first
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert settings.problems(settings.load(secrets=settings.read_secrets_file(path), env={})) == []


def test_keys_the_environment_provides_are_not_written_to_the_file(tmp_path):
    """A deployment keeps its keys in /etc/linli/linli.env: `init` must not leave different,
    unused ones in the secrets file for a later run without that environment to pick up."""
    path = tmp_path / "secrets.toml"
    env = {"LINLI_COOKIE_KEY": "from-the-environment-0123456789abcdefghij",
           "LINLI_ID_ENCRYPTION_KEY": "from-the-environment-0123456789abcdefghij"}
    assert settings.write_default_secrets(path, env=env) == ["id_hash_key"]
    assert set(settings.read_secrets_file(path)) >= {"id_hash_key"}
    assert not {"cookie_key", "id_encryption_key"} & set(settings.read_secrets_file(path))


def test_an_older_secrets_file_gains_the_missing_keys_and_keeps_its_own(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text('cookie_key = "kept-as-it-was-0123456789abcdefghijklmnop"\n')
    assert settings.write_default_secrets(path, env={}) == ["id_encryption_key", "id_hash_key"]
    loaded = settings.read_secrets_file(path)
    assert loaded["cookie_key"] == "kept-as-it-was-0123456789abcdefghijklmnop"
    assert len(loaded["id_encryption_key"]) >= 32


def test_shipped_streamlit_config_passes_the_check():
    assert config_check.problems(config_check.read_config_file()) == []


def test_weakened_streamlit_config_is_refused():
    weak = dict(config_check.read_config_file())
    weak.update({"server.enableXsrfProtection": False, "client.showErrorDetails": "full", "server.maxUploadSize": 200,
                 "client.disableDataExport": False})
    found = "\n".join(config_check.problems(weak))
    for option in ("enableXsrfProtection", "showErrorDetails", "maxUploadSize", "disableDataExport"):
        assert option in found


def test_gitignore_keeps_secrets_out_of_the_repository():
    assert ".streamlit/secrets.toml" in (ROOT / ".gitignore").read_text().splitlines()


# --- translation -------------------------------------------------------------------------------

def test_catalogues_have_the_same_keys():
    zh, en = set(catalogue("zh-CN")), set(catalogue("en"))
    assert zh - en == set(), "missing in en"
    assert en - zh == set(), "missing in zh-CN"


def _keys_used_in_code() -> set[str]:
    used = set()
    pattern = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']|Invalid\(\s*["'][a-z_]+["'],\s*["']([a-z0-9_.]+)["']"""
                         r"""|"(error\.[a-z0-9_.]+)"|"(nav\.[a-z0-9_.]+)"|"(notice\.[a-z0-9_.]+)\"""")
    for folder in ("app.py", "core", "ui", "screens"):
        for path in [ROOT / folder] if folder.endswith(".py") else (ROOT / folder).rglob("*.py"):
            for match in pattern.finditer(path.read_text(encoding="utf-8")):
                used.update(group for group in match.groups() if group)
    return used


def _field_names_in_code() -> set[str]:
    pattern = re.compile(r"""Invalid\(\s*["']([a-z_]+)["']|field=["']([a-z_]+)["']|slot\(["']([a-z_]+)["']\)""")
    names = set()
    for path in list((ROOT / "core").rglob("*.py")) + list((ROOT / "screens").rglob("*.py")):
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            names.update(group for group in match.groups() if group)
    return names


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_key_the_code_uses_exists(language):
    table = catalogue(language)
    wanted = _keys_used_in_code()
    wanted |= {f"role.{role}" for role in ("admin", "supervisor", "worker", "trainer")}
    wanted |= {f"audit.action.{action}" for action in audit.ACTIONS}
    wanted |= {f"field.{name}" for name in _field_names_in_code()}
    wanted |= {"logout.done", "password.changed", "password.locked_out"}
    wanted = {key for key in wanted if not key.endswith(".")}  # prefixes of keys built at run time, listed here:
    wanted |= {"sex.M", "sex.F"} | {f"status.{s}" for s in residents.STATUSES} | {f"tag.{t}" for t in residents.TAGS}
    wanted |= {f"import.progress.{stage}" for stage in ("validate", "write", "done")}
    wanted |= {f"field.{column}" for column in residents.EXPORT_COLUMNS}
    wanted = {key for key in wanted if not re.fullmatch(r"field\.(party|row)_\d+", key)} | {"field.party", "field.row"}
    wanted |= {f"case_state.{s}" for s in mediations.STATES} | {f"case_action.{a}" for a in mediations.TRANSITIONS}
    wanted |= {f"source.{s}" for s in mediations.SOURCES} | {f"side.{s}" for s in mediations.SIDES}
    wanted |= {f"performed.{p}" for p in agreements.PERFORMED}
    wanted |= {f"todo.kind.{k}" for k in ("overdue", "due_soon", "follow_up", "follow_up_overdue")}
    wanted |= {f"attendance.{s}" for s in training.STATUSES} | {f"level.{lv}" for lv in training.LEVELS}
    assert len(wanted) > 80
    assert sorted(wanted - set(table)) == []


def test_translation_fills_parameters_and_defaults_to_chinese():
    assert translate("en", "table.summary", page=2, pages=5, total=230) == "Page 2 of 5, 230 in all"
    assert translate("xx", "login.submit") == "登录"


def test_public_rating_settings_are_read_and_a_bad_address_is_refused():
    from core.base import settings

    loaded = settings.load(secrets={}, env={"LINLI_PUBLIC_ONLY": "yes", "LINLI_PUBLIC_BASE_URL": "https://rate.example.org"})
    assert loaded.public_only is True and loaded.public_base_url == "https://rate.example.org"
    assert not any("public_base_url" in p for p in settings.problems(loaded))
    bad = settings.load(secrets={"public_base_url": "rate.example.org"}, env={})
    assert any("public_base_url" in p for p in settings.problems(bad))


def test_the_activity_attendance_window_is_a_setting_of_0_to_90_days():
    assert settings.load(secrets={}, env={}).activity_attendance_days == 7
    longer = settings.load(secrets={"activity_attendance_days": 14}, env={"LINLI_ACTIVITY_ATTENDANCE_DAYS": "10"})
    assert longer.activity_attendance_days == 10  # the environment wins
    assert not any("activity_attendance_days" in p for p in settings.problems(longer))
    too_long = settings.load(secrets={"activity_attendance_days": 365}, env={})
    assert any("activity_attendance_days" in p for p in settings.problems(too_long))
    with pytest.raises(ValueError, match="public_only"):
        settings.load(secrets={}, env={"LINLI_PUBLIC_ONLY": "maybe"})


def test_full_garbage_collection_runs_at_most_once_a_minute():
    from ui import housekeeping

    start = housekeeping._last
    assert housekeeping.collect_now_and_then(start + 30) is False
    assert housekeeping.collect_now_and_then(start + 61) is True
    assert housekeeping.collect_now_and_then(start + 90) is False
    assert housekeeping.collect_now_and_then(start + 122) is True

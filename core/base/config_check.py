"""The Streamlit options Linli insists on, checked at start-up and by `linli check`."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from core.base.settings import PROJECT_ROOT

CONFIG_FILE = PROJECT_ROOT / ".streamlit" / "config.toml"

REQUIRED: dict[str, tuple[Any, str]] = {
    "server.enableXsrfProtection": (True, "XSRF protection must stay on"),
    "client.showErrorDetails": ("none", "error details would show tracebacks (and data) to users"),
    "server.maxUploadSize": (20, "uploads are limited to 20 MB"),
    "browser.gatherUsageStats": (False, "usage statistics must not leave the intranet"),
    "client.toolbarMode": ("minimal", "the developer toolbar must be hidden"),
    "client.disableDataExport": (True, "a table's own CSV download would bypass the audited, escaped export"),
}


def read_config_file(path: Path = CONFIG_FILE) -> dict[str, Any]:
    """Flatten config.toml into `section.option` keys, the names st.get_option uses."""
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return {f"{section}.{name}": value for section, options in data.items() for name, value in options.items()}


def problems(options: Mapping[str, Any]) -> list[str]:
    found = []
    for name, (wanted, why) in REQUIRED.items():
        value = options.get(name)
        if name == "server.maxUploadSize":
            ok = isinstance(value, int) and 0 < value <= wanted
        else:
            ok = value == wanted
        if not ok:
            found.append(f"{name} is {value!r}, must be {wanted!r}: {why}")
    return found

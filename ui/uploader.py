"""A file picker that speaks the session's language.

Streamlit draws the uploader's button ("Upload") and its limit line ("20MB per file • XLSX, CSV")
in English only. For other languages a small stylesheet, scoped to this one uploader by its
key, hides those words and shows the translated ones. The stylesheet holds fixed words from the
locale files and the configured size limit, never data (DESIGN: no st.html with data).
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from ui.i18n import language, t

_TEMPLATE = """<style>
.st-key-{key} [data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{font-size: 0}}
.st-key-{key} [data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after
  {{content: "{button}"; font-size: 0.875rem}}
.st-key-{key} [data-testid="stFileUploaderDropzoneInstructions"] span {{font-size: 0}}
.st-key-{key} [data-testid="stFileUploaderDropzoneInstructions"] span::after
  {{content: "{limit}"; font-size: 0.875rem}}
</style>"""


def file_picker(label: str, types: list[str], key: str) -> UploadedFile | None:
    upload = st.file_uploader(label, type=types, key=key)
    if language() != "en":
        st.html(localized_style(key, types))
    return upload


def localized_style(key: str, types: list[str]) -> str:
    limit = t("uploader.limit", size=st.get_option("server.maxUploadSize"),
              types=t("common.list_separator").join(kind.upper() for kind in types))
    return _TEMPLATE.format(key=key, button=_css_string(t("uploader.button")), limit=_css_string(limit))


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')

"""A rating QR code on the screen, with its picture to print."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime

import segno
import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.base.errors import LinliError
from db.engine import write_session
from ui import links
from ui.forms import FieldErrors
from ui.i18n import t
from ui.session import settings


def rating_code(token: str, file_name: str, key: str, column=st) -> str:  # noqa: ANN001
    """Draw the code of /rate?t=token (in `column`) and a PNG download of it; returns the link."""
    link = links.absolute(f"/rate?t={token}", settings().public_base_url)
    qr = segno.make(link, error="m")
    column.image(qr.svg_data_uri(scale=6), width=240)
    picture = io.BytesIO()
    qr.save(picture, kind="png", scale=12, border=4)
    column.download_button(t("ratings.download_qr"), picture.getvalue(), file_name=file_name, mime="image/png",
                           on_click="ignore", key=key, icon=":material/download:")
    return link


def code_on_request(engine: Engine, button: str, key: str, make: Callable[[Session], tuple[str, datetime]],
                    ready: Callable[[datetime], str], file_name: str) -> None:
    """A button that makes a code (`make` writes it and returns the token and its expiry), then
    the code, kept for the session under `key` and drawn with what `ready` says of it; a refusal
    is shown where the button is."""
    if st.button(button, key=f"make_{key}", icon=":material/qr_code_2:"):
        try:
            with write_session(engine) as session:
                st.session_state[key] = make(session)
        except LinliError as exc:
            FieldErrors().show(exc)
    if key in st.session_state:
        token, expires_at = st.session_state[key]
        st.caption(ready(expires_at))
        rating_code(token, file_name, f"{key}_png")

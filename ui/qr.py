"""A rating QR code on the screen, with its picture to print."""

from __future__ import annotations

import io

import segno
import streamlit as st

from ui import links
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

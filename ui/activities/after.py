"""An activity's photos and its residents' ratings: two tabs of the activities screen.

Kept out of the page file, like ui/residents: a module is compiled once per process.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.activities import photos, ratings
from core.base import stored_files
from core.base.permissions import Actor
from core.satisfaction.disclosure import MIN_GROUP
from core.satisfaction.service import COMMENT_MAX
from db.engine import read_session
from ui import qr
from ui.forms import FieldErrors, empty_fields_next_run, save_then_rerun
from ui.markdown import plain
from ui.session import settings
from ui.uploader import file_picker

Translate = Callable[..., str]
NOTICE = "activities_notice"


def photos_tab(t: Translate, me: Actor, engine: Engine, activity_id: int) -> None:
    """Add a photo (a guardian's consent when it shows minors), see the album, remove one."""
    files = Path(settings().files_dir)
    errors = FieldErrors()
    sent = st.session_state.get(f"photo_sent_{activity_id}", 0)  # a new picker after each photo kept
    with st.form(f"photo_{activity_id}"):
        upload = file_picker(t("field.photo"), list(photos.KIND_EXTENSIONS), key=f"photo_file_{activity_id}_{sent}")
        st.caption(t("activities.photo_rule", mb=stored_files.MAX_BYTES // (1024 * 1024), side=photos.MAX_SIDE))
        errors.slot("photo")
        minors = st.checkbox(t("field.shows_minors"), key=f"photo_minors_{activity_id}")
        consent = st.text_input(t("field.guardian_consent"), max_chars=photos.CONSENT_MAX,
                                key=f"photo_consent_{activity_id}", placeholder=t("activities.consent_hint"))
        errors.slot("guardian_consent")
        if st.form_submit_button(t("activities.add_photo"), type="primary", icon=":material/add_a_photo:"):
            photo = photos.PhotoInput(upload.getvalue() if upload else b"", upload.name if upload else "",
                                      shows_minors=minors, guardian_consent=consent)

            def kept(row: object) -> str:
                st.session_state[f"photo_sent_{activity_id}"] = sent + 1
                empty_fields_next_run({f"photo_minors_{activity_id}": False, f"photo_consent_{activity_id}": ""})
                return t("activities.photo_added")

            save_then_rerun(engine, errors, lambda session: photos.add(session, me, activity_id, photo, files),
                            NOTICE, kept)
    with read_session(engine) as session:
        album = photos.listing(session, me, activity_id)
    if not album:
        st.caption(t("activities.no_photos"))
        return
    panel = st.expander(t("activities.album", count=len(album)), icon=":material/photo_library:",
                        key=f"album_open_{activity_id}", on_change="rerun")
    if not panel.open:  # up to 30 photos of 5 MB: read only when looked at
        return
    with read_session(engine) as session:
        shown = {row["id"]: photos.content(session, me, activity_id, row["id"], files) for row in album}
    with panel:
        album_grid(t, me, engine, activity_id, album, shown, files)


def album_grid(t: Translate, me: Actor, engine: Engine, activity_id: int, album: list[dict], shown: dict,
               files: Path) -> None:
    for column, row in zip(st.columns(3) * len(album), album, strict=False):
        with column:
            found = shown[row["id"]]
            if found is None:
                st.warning(t("activities.photo_missing", name=plain(row["name"])))
            else:
                st.image(found[0], caption=row["name"], width="stretch")
            if row["shows_minors"]:
                st.caption(t("activities.photo_consent", consent=plain(row["guardian_consent"])))
            if st.button(t("activities.remove_photo"), key=f"photo_remove_{row['id']}", icon=":material/delete:"):
                save_then_rerun(engine, FieldErrors(), lambda session, pid=row["id"]: photos.remove(
                    session, me, activity_id, pid, files), NOTICE, t("activities.photo_removed"))


def ratings_tab(t: Translate, me: Actor, engine: Engine, activity_id: int) -> None:
    """The residents' ratings so far, the activity's QR code, and a rating typed after a call."""
    with read_session(engine) as session:
        found = ratings.figures(session, me, activity_id)
    if found["mean"] is not None:
        st.metric(t("activities.rating_mean", count=found["count"]), f"{found['mean']:.2f}",
                  help=t("activities.rating_interval", low=found["mean_low"], high=found["mean_high"],
                         csat=f"{found['csat']:.0%}"))
    else:
        st.caption(t("activities.rating_too_few", count=found["count"], min=MIN_GROUP))
    def issued(session: Session) -> tuple[str, datetime]:
        code = ratings.rating_code(session, me, settings().cookie_key, activity_id)
        return code.token, code.expires_at

    qr.code_on_request(engine, t("activities.make_code"), f"activity_code_{activity_id}", issued,
                       lambda expires: t("activities.code_ready", expires=f"{expires:%Y-%m-%d}"),
                       f"activity-{activity_id}-qr.png")
    errors = FieldErrors()
    with st.form(f"phone_rating_{activity_id}"):
        st.markdown(f"**{t('activities.phone_rating')}**")
        score = st.feedback("stars", key=f"phone_rating_score_{activity_id}")
        errors.slot("score")
        comment = st.text_input(t("field.comment"), max_chars=COMMENT_MAX, key=f"phone_rating_comment_{activity_id}")
        errors.slot("comment")
        errors.slot("grid")
        if st.form_submit_button(t("activities.save_rating")):
            def recorded(row: object) -> str:
                empty_fields_next_run({f"phone_rating_comment_{activity_id}": "",
                                       f"phone_rating_score_{activity_id}": None})
                return t("activities.rating_saved")

            save_then_rerun(engine, errors, lambda session: ratings.record_phone_rating(
                session, me, activity_id, None if score is None else score + 1, comment), NOTICE, recorded)

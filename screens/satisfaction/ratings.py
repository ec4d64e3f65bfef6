"""Collect ratings (收集评价, workers in their grids; supervisors and admins): type in a rating
from a home visit or a phone survey, or make a QR code a resident scans to rate a service
(single use) or a grid (a poster). The code opens a public page with no personal data."""

from datetime import date

import pandas as pd
import streamlit as st

from core.base.errors import LinliError
from core.office import staff
from core.residents import service as residents
from core.satisfaction import service as satisfaction
from db.engine import read_session, write_session
from ui import qr
from ui.forms import DATE_FORMAT, FieldErrors, save_then_rerun, show_notice
from ui.i18n import translated_choice, translator
from ui.no_grids import stop_without_grids
from ui.session import actor, db, settings

t = translator()
me = actor()
engine = db()
st.title(t("ratings.title"))

with read_session(engine) as session:
    grids = residents.grid_choices(session, me)
    people = staff.active_staff(session, me)
show_notice("ratings_notice")
if not grids:
    stop_without_grids(me, "ratings.no_grids")

category_label = {c: t(f"satisfaction.category.{c}") for c in satisfaction.CATEGORIES}
record_tab, code_tab = st.tabs([t("ratings.record"), t("ratings.codes")])

with record_tab:
    errors = FieldErrors()
    with st.form("rating_new", clear_on_submit=True):
        channel = st.radio(t("field.channel"), satisfaction.STAFF_CHANNELS, horizontal=True,
                           format_func=lambda c: t(f"satisfaction.channel.{c}"), key=translated_choice("rating_channel"))
        errors.slot("channel")
        st.markdown(t("field.score"))
        score = st.feedback("stars", key="rating_score")
        st.caption(t("ratings.score_hint"))
        errors.slot("score")
        grid_col, category_col = st.columns(2)
        grid = grid_col.selectbox(t("satisfaction.grid"), list(grids), format_func=grids.get, key="rating_grid")
        category = category_col.selectbox(t("field.category"), satisfaction.CATEGORIES, format_func=category_label.get,
                                          index=satisfaction.CATEGORIES.index("visit"),
                                          key=translated_choice("rating_category"))
        errors.slot("grid")
        errors.slot("category")
        worker_col, day_col = st.columns(2)
        nobody = 0  # a selectbox shows None as an empty placeholder
        # Nobody rates themselves: the figures about a person are what others said of their work.
        others = [person for person in people if person != me.id]
        worker = worker_col.selectbox(t("field.worker"), [nobody, *others], help=t("ratings.worker_help"),
                                      format_func=lambda w: t("satisfaction.no_worker") if w == nobody else people[w],
                                      key=translated_choice("rating_worker"))
        rated_on = day_col.date_input(t("field.rated_on"), format=DATE_FORMAT, value=date.today(), max_value=date.today(),
                                      key="rating_day")
        errors.slot("worker")
        errors.slot("rated_on")
        comment = st.text_area(t("field.comment"), max_chars=satisfaction.COMMENT_MAX, key="rating_comment")
        errors.slot("comment")
        if st.form_submit_button(t("ratings.save"), type="primary"):
            data = satisfaction.RatingInput(score=None if score is None else score + 1, comment=comment,
                                            category=category, grid_id=grid, worker_id=worker or None, rated_on=rated_on,
                                            channel=channel)
            save_then_rerun(engine, errors, lambda session: satisfaction.record_rating(session, me, data),
                            "ratings_notice", t("ratings.saved"))

with code_tab:
    st.caption(t("ratings.codes_help"))
    errors = FieldErrors()
    with st.form("token_new"):
        kind = st.radio(t("ratings.kind"), satisfaction.TOKEN_KINDS, horizontal=True,
                        format_func=lambda k: t(f"satisfaction.token_kind.{k}"), key=translated_choice("token_kind"))
        grid_col, category_col = st.columns(2)
        token_grid = grid_col.selectbox(t("satisfaction.grid"), list(grids), format_func=grids.get, key="token_grid")
        token_category = category_col.selectbox(t("field.category"), satisfaction.CATEGORIES,
                                                format_func=category_label.get, key=translated_choice("token_category"),
                                                index=satisfaction.CATEGORIES.index("service"))
        days_col, limit_col = st.columns(2)
        days = days_col.number_input(t("ratings.valid_days"), min_value=1, max_value=satisfaction.MAX_TOKEN_DAYS,
                                     value=None, step=1, placeholder=t("ratings.valid_days_default"), key="token_days")
        limit = limit_col.number_input(t("ratings.hourly_limit"), min_value=1, max_value=satisfaction.MAX_HOURLY_LIMIT,
                                       value=satisfaction.POSTER_HOURLY_LIMIT, step=1, help=t("ratings.hourly_help"),
                                       key="token_hourly_limit")
        errors.slot("grid")
        errors.slot("valid_days")
        errors.slot("hourly_limit")
        if st.form_submit_button(t("ratings.make_code"), type="primary"):
            request = satisfaction.TokenRequest(kind=kind, grid_id=token_grid, category=token_category,
                                                worker_id=me.id if kind == "single_use" else None,
                                                valid_days=None if days is None else int(days), hourly_limit=int(limit))
            try:
                with write_session(engine) as session:
                    issued = satisfaction.issue_token(session, me, settings().cookie_key, request)
                st.session_state["ratings_code"] = (issued.token, issued.kind, issued.expires_at)
            except LinliError as exc:
                errors.show(exc)

    shown = st.session_state.get("ratings_code")
    if shown:
        token, kind, expires_at = shown
        code_col, text_col = st.columns([1, 2])
        link = qr.rating_code(token, "linli-rating-qr.png", "ratings_qr_png", code_col)
        text_col.markdown(t("ratings.code_ready", kind=t(f"satisfaction.token_kind.{kind}"),
                            expires=f"{expires_at:%Y-%m-%d %H:%M}"))
        text_col.code(link, language=None)
        text_col.caption(t("ratings.link_hint"))

    with read_session(engine) as session:
        tokens = satisfaction.list_tokens(session, me)
    if tokens:
        st.subheader(t("ratings.my_codes"))
        st.dataframe(pd.DataFrame([{
            "id": row["id"], t("ratings.kind"): t(f"satisfaction.token_kind.{row['kind']}"),
            t("satisfaction.grid"): row["grid"], t("field.category"): category_label[row["category"]],
            t("ratings.expires"): f"{row['expires_at']:%Y-%m-%d}",
            t("ratings.state"): t("ratings.state.revoked") if row["revoked_at"] else t("ratings.state.used")
            if row["used_at"] else t("ratings.state.active"),
            t("satisfaction.count"): row["ratings"]} for row in tokens]), hide_index=True, width="stretch",
            column_config={"id": None})
        revocable = {row["id"]: row for row in tokens if not row["revoked_at"]}  # listed: mine, or all for oversight
        if revocable:
            with st.form("token_revoke"):
                chosen = st.selectbox(t("ratings.revoke_which"), list(revocable), format_func=lambda i: (
                    f"#{i} · {t('satisfaction.token_kind.' + revocable[i]['kind'])} · {revocable[i]['grid']}"))
                revoke_errors = FieldErrors()
                if st.form_submit_button(t("ratings.revoke")):
                    save_then_rerun(engine, revoke_errors,
                                    lambda session: satisfaction.revoke_token(session, me, chosen),
                                    "ratings_notice", t("ratings.revoked"))

"""Courses (培训课程, trainers and admins): create a course, mark the whole roster in one grid,
show a check-in QR code for the session."""

from datetime import date, datetime, time

import pandas as pd
import segno
import streamlit as st

from core.base.errors import LinliError, StaleEdit
from core.training import categories, roster_import
from core.training import service as training
from db.engine import read_session, write_session
from ui import links
from ui.forms import DATE_FORMAT, FieldErrors, save_then_rerun, show_notice
from ui.i18n import error_text, translator
from ui.line_report import show_problems
from ui.markdown import plain
from ui.session import actor, db, settings
from ui.uploader import file_picker

t = translator()
me = actor()
engine = db()
st.title(t("courses.title"))

with read_session(engine) as session:
    courses = training.list_courses(session, me)
    staff = training.staff_choices(session, me)
    everyone = training.staff_choices(session, me, every_community=True)  # for a course open to all
    kinds = {c["id"]: c for c in categories.list_categories(session, active_only=True)}
show_notice("courses_notice")


def counts_text(category: dict) -> str:
    """What a category's hours count toward, in words."""
    quotas = [t(f"compliance.kind.{kind}") for kind, flag in (("social_work", category["counts_social_work"]),
                                                              ("local", category["counts_local"])) if flag]
    return "、".join(quotas) if quotas else t("courses.counts_nothing")


def course_fields(prefix: str, errors: FieldErrors, current: training.CourseInput | None = None
                  ) -> training.CourseInput:
    """The course's fields, empty for a new course or opened on `current`; inside a form."""
    now = current or training.CourseInput(starts_at=datetime.combine(date.today(), time(9, 0)),
                                          ends_at=datetime.combine(date.today(), time(12, 0)), credit_hours=3)
    title = st.text_input(t("field.title"), value=now.title, max_chars=100, key=f"{prefix}_title")
    errors.slot("title")
    topic = st.text_input(t("field.topic"), value=now.topic, max_chars=50, key=f"{prefix}_topic")
    errors.slot("topic")
    options = list(kinds) + ([now.category_id] if now.category_id and now.category_id not in kinds else [])
    category = st.selectbox(t("field.category"), options, index=options.index(now.category_id)
                            if now.category_id in options else None, placeholder=t("common.choose"),
                            format_func=lambda c: kinds[c]["name"] if c in kinds else "—", key=f"{prefix}_category",
                            help=t("courses.category_help"))
    errors.slot("category")
    provider = st.text_input(t("courses.provider"), value=now.provider, max_chars=100, key=f"{prefix}_provider")
    place = st.text_input(t("courses.place"), value=now.place, max_chars=100, key=f"{prefix}_place")
    day_col, start_col, end_col, hours_col = st.columns(4)
    day = day_col.date_input(t("courses.day"), format=DATE_FORMAT, value=now.starts_at.date(), key=f"{prefix}_day")
    start = start_col.time_input(t("courses.start"), value=now.starts_at.time(), key=f"{prefix}_start")
    end = end_col.time_input(t("field.ends_at"), value=now.ends_at.time(), key=f"{prefix}_end")
    hours = hours_col.text_input(t("field.credit_hours"), value=f"{float(now.credit_hours):g}", key=f"{prefix}_hours")
    errors.slot("ends_at")
    errors.slot("credit_hours")
    mandatory = st.checkbox(t("courses.mandatory"), value=now.mandatory, key=f"{prefix}_mandatory")
    open_to_all = st.checkbox(t("courses.open_to_all"), value=now.open_to_all, key=f"{prefix}_open")
    # Another community's staff are offered only for a course saved as open to all (a form does
    # not rerun on a tick: save it open first, then add them); the service checks it again.
    offered = everyone if now.open_to_all else staff
    people = st.multiselect(t("field.participants"), list(offered),
                            default=[p for p in now.participant_ids if p in offered],
                            format_func=offered.get, placeholder=t("common.choose"), key=f"{prefix}_participants")
    errors.slot("participants")
    return training.CourseInput(title=title, topic=topic, provider=provider, place=place,
                                starts_at=datetime.combine(day, start), ends_at=datetime.combine(day, end),
                                credit_hours=hours, mandatory=mandatory, participant_ids=people, category_id=category,
                                open_to_all=open_to_all)


with st.expander(t("courses.new"), icon=":material/add:", expanded=not courses):
    st.caption(t("courses.categories", list="；".join(f"{c['name']}：{counts_text(c)}" for c in kinds.values())))
    errors = FieldErrors()
    with st.form("course_new", enter_to_submit=False):  # Enter in a field must not create half a course
        data = course_fields("course_new", errors)
        if st.form_submit_button(t("courses.create"), type="primary"):
            save_then_rerun(engine, errors, lambda session: training.create_course(session, me, data),
                            "courses_notice", t("courses.created", title=plain(data.title)))

if not courses:
    st.info(t("courses.none"))
    st.stop()

by_id = {c["id"]: c for c in courses}
chosen = st.selectbox(t("courses.pick"), list(by_id), key="course_pick",
                      format_func=lambda i: (t("courses.cancelled_tag") if by_id[i]["cancelled_at"] else "")
                      + (t("courses.open_tag") if by_id[i]["open_to_all"] else "")
                      + f"{by_id[i]['starts_at']:%Y-%m-%d %H:%M} · {by_id[i]['title']}")
course = by_id[chosen]
st.caption(t("courses.summary", hours=course["hours"], expected=course["expected"], attended=course["attended"]))
st.caption(t("courses.category_line", category=course["category"] or "—"))
if course["cancelled_at"]:
    st.warning(t("courses.cancelled_line", at=f"{course['cancelled_at']:%Y-%m-%d %H:%M}",
                 reason=plain(course["cancel_reason"])))
    st.stop()  # a cancelled course takes no marks, check-ins or changes

with read_session(engine) as session:
    current, course_version = training.course_form(session, me, chosen)
with st.expander(t("courses.edit"), icon=":material/edit:"):
    errors = FieldErrors()
    with st.form(f"course_edit_{chosen}_v{course_version}", enter_to_submit=False):  # opens on the course as saved
        changed = course_fields(f"course_edit_{chosen}_v{course_version}", errors, current)
        if st.form_submit_button(t("courses.save_changes"), type="primary"):
            save_then_rerun(engine, errors, lambda session: training.update_course(
                session, me, chosen, changed, course_version), "courses_notice",
                t("courses.updated", title=plain(changed.title)))
with st.expander(t("courses.cancel"), icon=":material/event_busy:"):
    st.caption(t("courses.cancel_help"))
    errors = FieldErrors()
    with st.form(f"course_cancel_{chosen}", enter_to_submit=False):
        reason = st.text_input(t("field.cancel_reason"), max_chars=200, key=f"course_cancel_reason_{chosen}")
        errors.slot("cancel_reason")
        errors.slot("course")
        if st.form_submit_button(t("courses.cancel_confirm")):
            save_then_rerun(engine, errors, lambda session: training.cancel_course(
                session, me, chosen, reason, course_version), "courses_notice",
                t("courses.cancelled", title=plain(course["title"])))

with read_session(engine) as session:
    roster, version = training.load_roster(session, me, chosen)
version_key = f"roster_version_{chosen}"
st.session_state.setdefault(version_key, version)
if st.session_state[version_key] != version:
    st.warning(t("courses.roster_changed"))

status_labels = {None: t("attendance.unmarked"), **{s: t(f"attendance.{s}") for s in training.STATUSES}}
st.subheader(t("courses.roster"))
st.caption(t("courses.unmarked_help"))
# Marking everyone present is one deliberate click (then correct the exceptions), never a default.
all_present_key = f"roster_all_present_{chosen}_v{st.session_state[version_key]}"
if any(r["status"] is None for r in roster) and st.button(t("courses.mark_all_present"), key=f"mark_all_{chosen}",
                                                          icon=":material/done_all:"):
    st.session_state[all_present_key] = True
marking_all = bool(st.session_state.get(all_present_key))
shown = [r if r["status"] is not None or not marking_all
         else {**r, "status": "present", "hours": float(course["hours"])} for r in roster]


def roster_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{"user_id": r["user_id"], t("field.person_name"): r["name"],
                          t("courses.status"): status_labels[r["status"]], t("field.hours"): r["hours"]} for r in rows])


saved_frame, frame = roster_frame(roster), roster_frame(shown)
editor_key = f"roster_editor_{chosen}_v{st.session_state[version_key]}{'_all' if marking_all else ''}"
if frame.empty:
    st.info(t("courses.no_roster"))
else:
    edited = st.data_editor(
        frame, hide_index=True, width="stretch",
        key=editor_key,
        disabled=["user_id", t("field.person_name")], column_config={
            "user_id": None,
            t("courses.status"): st.column_config.SelectboxColumn(options=list(status_labels.values()), required=True),
            t("field.hours"): st.column_config.NumberColumn(min_value=0.0, max_value=float(course["hours"]), step=0.5),
        })
    # against what is saved (NaN, no hours yet, equals itself): marking everyone present is unsaved too
    unsaved = int((edited.fillna(-1) != saved_frame.fillna(-1)).any(axis=1).sum())
    if unsaved:
        st.caption(t("courses.unsaved", count=unsaved))
    if st.button(t("courses.save_roster"), type="primary", key=f"save_roster_{chosen}"):
        by_label = {label: status for status, label in status_labels.items()}
        entries = [training.RosterEntry(int(row["user_id"]), by_label[row[t("courses.status")]],
                                        None if pd.isna(row[t("field.hours")]) else row[t("field.hours")])
                   for _, row in edited.iterrows()]
        try:
            with write_session(engine) as session:
                st.session_state[version_key] = training.save_roster(session, me, chosen,
                                                                     st.session_state[version_key], entries)
            st.session_state["courses_notice"] = t("courses.roster_saved")
            st.rerun()
        except StaleEdit as exc:
            del st.session_state[version_key]  # the next run shows the roster as saved by the other person
            st.error(error_text(exc))
        except LinliError as exc:
            st.error(error_text(exc))

with st.expander(t("courses.walk_ins"), icon=":material/person_add:"):
    st.caption(t("courses.walk_ins_help"))
    on_roster = {r["user_id"] for r in roster}
    errors = FieldErrors()
    offered = everyone if course["open_to_all"] else staff
    newcomers = st.multiselect(t("field.walk_ins"), [p for p in offered if p not in on_roster], format_func=offered.get,
                               placeholder=t("common.choose"), key=f"walk_ins_{chosen}")
    errors.slot("walk_ins")
    if st.button(t("courses.walk_ins_add"), key=f"walk_ins_add_{chosen}", icon=":material/person_add:"):
        try:
            with write_session(engine) as session:
                st.session_state[version_key] = training.add_walk_ins(session, me, chosen, newcomers,
                                                                      st.session_state[version_key])
            st.session_state["courses_notice"] = t("courses.walk_ins_added", count=len(newcomers))
            st.rerun()
        except StaleEdit as exc:
            del st.session_state[version_key]
            st.error(error_text(exc))
        except LinliError as exc:
            errors.show(exc)

with st.expander(t("roster_import.title"), icon=":material/upload_file:"):
    st.caption(t("roster_import.help"))
    with read_session(engine) as session:
        template = roster_import.template_csv(session, me, chosen)
    st.download_button(t("roster_import.template"), template,
                       file_name=f"roster-{chosen}.csv", mime="text/csv", key=f"roster_template_{chosen}",
                       on_click="ignore", icon=":material/download:")
    upload = file_picker(t("roster_import.file"), ["xlsx", "csv"], key=f"roster_file_{chosen}")
    if upload is not None and st.button(t("roster_import.check"), type="primary", key=f"roster_upload_{chosen}"):
        try:
            with write_session(engine) as session:
                report = roster_import.import_roster(session, me, chosen, st.session_state[version_key],
                                                     upload.getvalue(), upload.name)
        except StaleEdit as exc:
            del st.session_state[version_key]
            st.error(error_text(exc))
        except LinliError as exc:
            st.error(error_text(exc))
        else:
            if report.written:
                st.session_state[version_key] = report.version
                st.session_state["courses_notice"] = t("roster_import.saved", count=len(report.entries))
                st.rerun()
            elif report.problems:
                st.error(t("roster_import.refused", count=report.refused_lines))
                show_problems(report.as_report(), file_name=f"roster-{chosen}-problems.csv",
                              key=f"roster_problems_{chosen}")
            else:
                st.warning(t("error.import.empty"))

with st.expander(t("courses.checkin_qr"), icon=":material/qr_code_2:"):
    with read_session(engine) as session:
        token = training.checkin_token(settings().cookie_key, training.course_by_id(session, me, chosen))
    link = links.absolute(f"/checkin?code={token}")  # staff phones, on the office network
    st.image(segno.make(link, error="m").svg_data_uri(scale=6), width=240)
    st.caption(t("courses.checkin_hint"))
    st.code(link, language=None)

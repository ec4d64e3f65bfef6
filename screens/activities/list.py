"""社区活动 (workers, supervisors): plan an activity for a group of residents, sign them up (a
waiting list once it is full), take attendance and walk-ins on the day, postpone or cancel."""

from datetime import date, datetime, time, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from core.activities import figures
from core.activities import service as activities
from core.base import groups
from core.base.errors import LinliError
from core.residents import service as residents
from db.engine import read_session, write_session
from ui.activities import after, cached
from ui.forms import DATE_FORMAT, FieldErrors, apply_field_resets, empty_fields_next_run, save_then_rerun, show_notice
from ui.i18n import language, translated_choice, translator
from ui.markdown import plain
from ui.no_grids import stop_without_grids
from ui.session import actor, db, settings

FIVE_MINUTES = timedelta(minutes=5)
PAGE = 50  # activities a page of the list shows
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
t = translator()
me = actor()
engine = db()
st.title(t("activities.title"))
if not me.grid_ids:
    stop_without_grids(me, "resident_new.no_grids")
apply_field_resets()
show_notice("activities_notice")

with read_session(engine) as session:
    kinds = activities.categories(session, me)
    grids = residents.grid_choices(session, me)
    since = datetime.combine(date.today() - timedelta(days=30), time.min)
    listed = activities.listing_count(session, me, since=since)


def activity_fields(prefix: str, errors: FieldErrors, current: dict | None = None) -> activities.ActivityInput:
    """What, when, where, for whom: empty for a new activity (next week, 9–11), or as `current` is;
    inside a form."""
    now = current or {"title": "", "category_id": None, "topic": "", "place": "", "partners": "", "capacity": None,
                      "starts_at": datetime.combine(date.today() + timedelta(days=7), time(9)),
                      "ends_at": datetime.combine(date.today() + timedelta(days=7), time(11)), "open_event": False,
                      "grid_ids": sorted(me.grid_ids & set(grids))[:1], "target_groups": [], "organisers": {}}
    title = st.text_input(t("field.activity_title"), value=now["title"], max_chars=activities.TITLE_MAX,
                          key=f"{prefix}_title")
    errors.slot("activity_title")
    options = list(kinds) + ([now["category_id"]] if now["category_id"] and now["category_id"] not in kinds else [])
    category = st.selectbox(t("field.category"), options, format_func=lambda c: kinds.get(c, "—"),
                            index=options.index(now["category_id"]) if now["category_id"] in options else 0,
                            key=f"{prefix}_category")
    errors.slot("category")
    topic = st.text_input(t("field.topic"), value=now["topic"], max_chars=activities.TOPIC_MAX, key=f"{prefix}_topic",
                          help=t("activities.topic_help"))
    errors.slot("topic")
    day = st.date_input(t("activities.day"), value=now["starts_at"].date(), format=DATE_FORMAT, key=f"{prefix}_day")
    start_col, end_col = st.columns(2)
    start = start_col.time_input(t("field.starts_at"), value=now["starts_at"].time(), key=f"{prefix}_start",
                                 step=FIVE_MINUTES)
    errors.slot("starts_at")
    end = end_col.time_input(t("field.ends_at"), value=now["ends_at"].time(), key=f"{prefix}_end", step=FIVE_MINUTES)
    errors.slot("ends_at")
    place = st.text_input(t("field.place"), value=now["place"], max_chars=activities.PLACE_MAX, key=f"{prefix}_place")
    errors.slot("place")
    chosen_grids = st.multiselect(t("field.grids"), list(grids), default=[g for g in now["grid_ids"] if g in grids],
                                  format_func=grids.get, key=f"{prefix}_grids", placeholder=t("common.choose"))
    errors.slot("grids")
    choices = [*residents.visible_tags(me), groups.OLDEST_OLD]
    aimed = st.multiselect(t("field.target_groups"), choices, default=[g for g in now["target_groups"] if g in choices],
                           format_func=lambda tag: t(f"tag.{tag}"), key=translated_choice(f"{prefix}_groups"),
                           placeholder=t("activities.everyone"))
    errors.slot("target_groups")
    capacity = st.text_input(t("field.capacity"), value=str(now["capacity"] or ""), key=f"{prefix}_capacity",
                             placeholder=t("activities.no_limit"))
    errors.slot("capacity")
    partners = st.text_input(t("field.partners"), value=now["partners"], max_chars=activities.PARTNERS_MAX,
                             key=f"{prefix}_partners")
    errors.slot("partners")
    open_event = st.checkbox(t("field.open_event"), value=now["open_event"], key=f"{prefix}_open")
    return activities.ActivityInput(
        title=title, category_id=category, topic=topic, starts_at=datetime.combine(day, start),
        ends_at=datetime.combine(day, end), place=place, partners=partners, capacity=capacity,
        grid_ids=chosen_grids, target_groups=aimed, open_event=open_event, organiser_ids=list(now["organisers"]))


def plan_form() -> None:
    """A new activity, inside an expander; most fields optional."""
    errors = FieldErrors()
    with st.form("activity_new"):
        data = activity_fields("activity", errors)
        if st.form_submit_button(t("activities.create"), type="primary"):
            save_then_rerun(engine, errors, lambda session: activities.create(session, me, data),
                            "activities_notice", t("activities.created", title=plain(data.title.strip())))


with st.expander(t("activities.new"), icon=":material/add:"):
    plan_form()


def quarter_figures() -> None:
    """The quarter so far: activities held, residents served, outreach reach, and the share of each
    group the quarter's activities were aimed at that came to one."""
    first, last = figures.quarter_of(date.today())
    aimed, quarter = cached.range_figures(engine, me, first, last)
    st.caption(t("activities.quarter", first=first, last=last))
    held, served, reach = st.columns(3)
    held.metric(t("activities.held"), quarter.held)
    served.metric(t("activities.served"), quarter.residents_served)
    reach.metric(t("activities.reach"), quarter.reach)
    for column, tag in zip(st.columns(max(len(aimed), 1)), aimed, strict=False):
        reached, in_group = quarter.coverage[tag]
        ratio = figures.share(reached, in_group)
        column.metric(t("activities.group_reached", group=t(f"tag.{tag}")),
                      f"{reached} / {in_group}" + (f"（{ratio:.0%}）" if ratio is not None else ""),
                      help=t("activities.group_help", group=t(f"tag.{tag}")))


quarter_figures()


def range_figures() -> None:
    """Any range of days: the figures, and the activities held per category as a chart."""
    panel = st.expander(t("activities.range"), icon=":material/bar_chart:", key="activities_range_open",
                        on_change="rerun")
    if not panel.open:  # its reads run only when it is open
        return
    with panel:
        today = date.today()
        picked = st.date_input(t("activities.range_days"), value=(today.replace(day=1), today), max_value=today,
                               format=DATE_FORMAT, key="activities_range")
        if not isinstance(picked, tuple) or len(picked) != 2:
            st.caption(t("activities.range_pick_end"))
            return
        aimed, found = cached.range_figures(engine, me, *picked)
        st.dataframe(pd.DataFrame([
            {t("report.figure"): label, t("report.value"): value} for label, value in (
                *figures.lines(found, t),
                *((t("activities.group_reached", group=t(f"tag.{tag}")),
                   f"{found.coverage[tag][0]} / {found.coverage[tag][1]}") for tag in aimed))]).astype(str),
            hide_index=True, width="stretch")
        if found.by_category:
            held = pd.DataFrame([{"category": name, "held": count} for name, count in found.by_category.items()])
            st.altair_chart(alt.Chart(held).mark_bar().encode(
                x=alt.X("held:Q", title=t("activities.held"), axis=alt.Axis(tickMinStep=1)),
                y=alt.Y("category:N", title=None, sort="-x")), width="stretch")


range_figures()

if not listed:
    st.info(t("activities.none"))
    st.stop()
page = 1
if listed > PAGE:
    pages = -(-listed // PAGE)
    page = int(st.number_input(t("activities.page", pages=pages, count=listed), min_value=1, max_value=pages,
                               value=1, step=1, key="activities_page"))
with read_session(engine) as session:
    found = activities.listing(session, me, since=since, limit=PAGE, offset=(page - 1) * PAGE)
table = [{t("field.activity_title"): row["title"], t("field.category"): row["category"],
          t("activities.when"): f"{row['starts_at']:%Y-%m-%d %H:%M}", t("field.place"): row["place"],
          t("activities.signed_up"): row["signed_up"] if not row["open_event"] else row["head_count"] or 0,
          t("field.capacity"): row["capacity"] or "—", t("activities.attended"): row["attended"],
          t("field.status"): t(f"activities.status.{row['status']}")} for row in found]
picked = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                      key=f"activities_table_{page}").selection.rows
chosen = picked[0] if picked and picked[0] < len(found) else None
if chosen is None:
    st.caption(t("activities.pick"))
    st.stop()
activity_id = found[chosen]["id"]

with read_session(engine) as session:
    shown = activities.detail(session, me, activity_id)
    people = activities.participants(session, me, activity_id)
    invitable = activities.candidates(session, me, activity_id) if shown["status"] == "planned" else []
st.subheader(plain(shown["title"]))
st.caption(" · ".join(part for part in (
    f"{shown['starts_at']:%Y-%m-%d %H:%M}–{shown['ends_at']:%H:%M}", plain(shown["place"]),
    "、".join(plain(name) for name in shown["grids"].values()),
    "、".join(t(f"tag.{tag}") for tag in shown["target_groups"]) or t("activities.everyone"),
    t("activities.organised_by", names="、".join(plain(n) for n in shown["organisers"].values()))) if part))
if shown["status"] == "cancelled":
    st.warning(t("activities.cancelled_because", reason=plain(shown["change_reason"])))
    st.stop()


def call_list_panel() -> None:
    """The signed-up and waiting with full phones, to call: an audited download."""
    fmt = st.radio(t("residents.export_format"), ["xlsx", "csv"], horizontal=True, key=f"call_list_format_{activity_id}")
    st.caption(t("activities.call_list_hint"))
    if st.button(t("activities.call_list_prepare"), key=f"call_list_{activity_id}", icon=":material/call:"):
        with write_session(engine) as session:
            data, count = activities.call_list_file(session, me, activity_id, fmt, language())
        st.download_button(t("activities.call_list_download", count=count), data,
                           file_name=f"activity-{activity_id}-calls.{fmt}", on_click="ignore",
                           mime="text/csv" if fmt == "csv" else XLSX_MIME, key=f"call_list_download_{activity_id}")


def register_walk_in(person: dict) -> None:
    """An unregistered walk-in, to the new-resident form with their name and phone filled in."""
    empty_fields_next_run({"new_resident_name": person["name"], "new_resident_phone": person["unregistered_phone"]})
    st.switch_page("screens/residents/new.py")


sign_ups, attendance, summary_tab, photo_tab, rating_tab, changes = st.tabs([
    t("activities.tab.sign_ups"), t("activities.tab.attendance"), t("field.activity_summary"),
    t("activities.tab.photos"), t("activities.tab.ratings"), t("activities.tab.changes")])
with sign_ups:
    st.write(t("activities.counts", signed_up=shown["signed_up"], waiting=shown["waiting"],
               capacity=shown["capacity"] or t("activities.no_limit")))
    by_id = {person["id"]: person["name"] for person in invitable}
    errors = FieldErrors()
    to_sign_up = st.multiselect(t("activities.invite"), list(by_id), format_func=by_id.get, key=f"invite_{activity_id}",
                                placeholder=t("activities.invite_hint", count=len(by_id)))
    errors.slot("resident")
    if st.button(t("activities.sign_up"), type="primary", key=f"sign_up_{activity_id}", disabled=not to_sign_up):
        def sign_all(session):  # noqa: ANN001, ANN202
            return [activities.sign_up(session, me, activity_id, resident_id).state for resident_id in to_sign_up]

        save_then_rerun(engine, errors, sign_all, "activities_notice",
                        lambda states: t("activities.signed", signed=states.count("signed_up"),
                                         waiting=states.count("waiting")))
    call_list_panel()
    for person in people:
        if person["state"] == "withdrawn":
            continue
        left, right = st.columns([3, 1])
        left.write(f"{plain(person['name'])} · {plain(person['phone_masked'] or '—')} · "
                   f"{t('participant_state.' + person['state'])}{' · ' + t('activities.walk_in') if person['walk_in'] else ''}")
        if not person["registered"] and right.button(t("activities.register_walk_in"), key=f"register_{person['id']}"):
            register_walk_in(person)
        if person["walk_in"]:
            continue
        if right.button(t("activities.withdraw"), key=f"withdraw_{person['id']}"):
            save_then_rerun(engine, errors, lambda session, pid=person["id"]: activities.withdraw(
                session, me, activity_id, pid), "activities_notice", t("activities.withdrawn", name=plain(person["name"])))

with attendance:
    errors = FieldErrors()
    listed = [person for person in people if person["state"] != "withdrawn"]
    if shown["open_event"]:
        with st.form(f"count_{activity_id}"):
            head_count = st.number_input(t("field.head_count"), min_value=0, max_value=activities.COUNT_MAX, step=1,
                                         value=shown["head_count"] or 0, key=f"head_count_{activity_id}")
            errors.slot("head_count")
            reach = st.number_input(t("field.reach"), min_value=0, max_value=activities.COUNT_MAX, step=1,
                                    value=shown["reach"] or 0, key=f"reach_{activity_id}")
            errors.slot("reach")
            errors.slot("attended")
            if st.form_submit_button(t("common.save"), type="primary"):
                save_then_rerun(engine, errors, lambda session: activities.record_count(
                    session, me, activity_id, head_count=int(head_count), reach=int(reach),
                    attendance_days=settings().activity_attendance_days),
                    "activities_notice", t("activities.counted"))
    else:
        with st.form(f"attendance_{activity_id}"):
            ticked = {person["id"]: st.checkbox(plain(person["name"]), value=person["attended"] or person["walk_in"],
                                                disabled=person["walk_in"], key=f"came_{person['id']}")
                      for person in listed}
            errors.slot("attended")
            if st.form_submit_button(t("activities.save_attendance"), type="primary", disabled=not listed):
                came = {pid for pid, tick in ticked.items() if tick}
                save_then_rerun(engine, errors, lambda session: activities.mark_attendance(
                    session, me, activity_id, came, attendance_days=settings().activity_attendance_days),
                                "activities_notice", lambda count: t("activities.attendance_saved", count=count))
    st.markdown(f"**{t('activities.walk_in_title')}**")
    with st.form(f"walk_in_{activity_id}"):
        known = st.selectbox(t("activities.walk_in_resident"), list(by_id), index=None, format_func=by_id.get,
                             key=f"walk_in_resident_{activity_id}", placeholder=t("activities.walk_in_resident_hint"))
        name = st.text_input(t("field.person_name"), max_chars=50, key=f"walk_in_name_{activity_id}")
        errors.slot("person_name")
        phone = st.text_input(t("field.phone"), max_chars=20, key=f"walk_in_phone_{activity_id}")
        errors.slot("phone")
        st.caption(t("activities.walk_in_hint"))
        if st.form_submit_button(t("activities.add_walk_in")):
            try:
                with write_session(engine) as session:
                    activities.walk_in(session, me, activity_id, resident_id=known, name=name, phone=phone,
                                       attendance_days=settings().activity_attendance_days)
            except LinliError as exc:
                errors.show(exc)  # what was typed stays, to be corrected
            else:
                empty_fields_next_run({f"walk_in_name_{activity_id}": "", f"walk_in_phone_{activity_id}": "",
                                       f"walk_in_resident_{activity_id}": None})
                st.session_state["activities_notice"] = t("activities.walk_in_added",
                                                          name=plain(by_id[known] if known else name.strip()))
                st.rerun()

with summary_tab:
    errors = FieldErrors()
    with st.form(f"summary_{activity_id}"):
        summary = st.text_area(t("field.activity_summary"), value=shown["summary"], max_chars=activities.SUMMARY_MAX,
                               key=f"summary_{activity_id}_text")
        errors.slot("activity_summary")
        hours = st.number_input(t("field.volunteer_hours"), min_value=0.0, max_value=10_000.0, step=0.5,
                                value=float(shown["volunteer_hours"]), key=f"summary_{activity_id}_hours")
        errors.slot("volunteer_hours")
        if st.form_submit_button(t("activities.save_summary"), type="primary"):
            save_then_rerun(engine, errors, lambda session: activities.summarise(
                session, me, activity_id, shown["version"], summary, hours), "activities_notice",
                t("activities.summary_saved"))

with photo_tab:
    after.photos_tab(t, me, engine, activity_id)
with rating_tab:
    after.ratings_tab(t, me, engine, activity_id)

with changes:
    errors = FieldErrors()
    with st.expander(t("activities.edit"), icon=":material/edit:"):
        with st.form(f"edit_activity_{activity_id}"):
            edited = activity_fields(f"edit_activity_{activity_id}_v{shown['version']}", errors, shown)
            if st.form_submit_button(t("common.save"), type="primary"):
                save_then_rerun(engine, errors, lambda session: activities.update(
                    session, me, activity_id, shown["version"], edited), "activities_notice",
                    t("activities.saved", title=plain(edited.title.strip())))
    errors = FieldErrors()
    with st.form(f"postpone_{activity_id}"):
        new_day = st.date_input(t("activities.day"), value=shown["starts_at"].date() + timedelta(days=7),
                                format=DATE_FORMAT, key=f"postpone_day_{activity_id}")
        start_col, end_col = st.columns(2)
        new_start = start_col.time_input(t("field.starts_at"), value=shown["starts_at"].time(),
                                         key=f"postpone_start_{activity_id}", step=FIVE_MINUTES)
        errors.slot("starts_at")
        new_end = end_col.time_input(t("field.ends_at"), value=shown["ends_at"].time(), key=f"postpone_end_{activity_id}", step=FIVE_MINUTES)
        errors.slot("ends_at")
        why = st.text_input(t("field.change_reason"), max_chars=activities.REASON_MAX, key=f"postpone_why_{activity_id}")
        errors.slot("change_reason")
        if st.form_submit_button(t("activities.postpone")):
            save_then_rerun(engine, errors, lambda session: activities.postpone(
                session, me, activity_id, shown["version"], datetime.combine(new_day, new_start),
                datetime.combine(new_day, new_end), why), "activities_notice", t("activities.postponed"))
    with st.form(f"cancel_{activity_id}"):
        cancel_why = st.text_input(t("field.change_reason"), max_chars=activities.REASON_MAX,
                                   key=f"cancel_why_{activity_id}")
        cancel_errors = FieldErrors()
        cancel_errors.slot("change_reason")
        if st.form_submit_button(t("activities.cancel")):
            try:
                with write_session(engine) as session:
                    call_back = activities.cancel(session, me, activity_id, shown["version"], cancel_why)
            except LinliError as exc:
                cancel_errors.show(exc)
            else:
                st.session_state["activities_notice"] = t("activities.cancelled", count=len(call_back)) + "".join(
                    f"\n- {plain(p['name'])} {plain(p['phone_masked'])}" for p in call_back)
                st.rerun()

"""Home (首页): a dashboard for the role. Supervisors and admins: key figures with the change
since last month, each opening its screen, and the monthly report. Workers: their to-do list.
Trainers: upcoming courses. An administrator whose installation or community is not set up yet:
the steps left, instead of figures that would all be zero. The system administrator: the
communities and their accounts."""

from datetime import date

import pandas as pd
import streamlit as st

from core.base import audit, clock
from core.base.permissions import can
from core.mediation import service as mediations
from core.office import setup
from core.reporting import reports
from core.training import service as training
from db.engine import read_session
from ui.dashboard import dashboard
from ui.i18n import language, translator
from ui.markdown import plain
from ui.nav import SCREENS_BY_URL
from ui.session import actor, database_key, db, settings
from ui.todo import todo_table

t = translator()
me = actor()
engine = db()
st.title(t("home.title", name=plain(me.display_name)))

with read_session(engine) as session:
    mark = audit.high_water(session)
    todo = (mediations.my_todo(session, me, limits=mediations.Limits.from_settings(settings()))
            if can(me, "mediation.edit") and not can(me, "report.monthly") else None)
    upcoming = training.upcoming_courses(session, me) if can(me, "training.manage") else None
shown_now = dashboard(database_key(engine), mark, me.role, me.community_id, tuple(sorted(me.grid_ids)),
                      clock.now().date(), engine, me)
grid_names, setup_steps, installation, figures, watched = (
    shown_now.grid_names, shown_now.setup_steps, shown_now.installation, shown_now.figures, shown_now.watched)
setting_up = setup.unfinished(setup_steps)

st.caption(" · ".join([t("home.role", role=t(f"role.{me.role}")),
                       *([t("home.my_grids_inline", grids=t("common.list_separator").join(grid_names))] if grid_names else [])]))


if setting_up:
    st.subheader(t("setup.title"))
    for step in setup_steps:
        screen = SCREENS_BY_URL[step.link]
        mark = ":material/check_circle:" if step.done else ":material/radio_button_unchecked:"
        st.page_link(screen.file, label=t(step.key, **step.params), icon=mark, disabled=step.done)
if can(me, "street.view"):
    st.page_link("screens/street/overview.py", label=t("home.street_open"), icon=":material/location_city:")
if me.role == "sysadmin":
    st.subheader(t("setup.communities"))
    if installation:
        st.dataframe(pd.DataFrame([{t("field.community"): row["name"], t("setup.col.grids"): row["grids"],
                                    t("setup.col.accounts"): row["accounts"],
                                    t("setup.col.admins"): t("common.list_separator").join(row["admins"])}
                                   for row in installation]), hide_index=True, width="stretch")
    st.caption(t("setup.sysadmin_scope"))


def shown(value: float | int | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value:.0%}" if unit == "percent" else f"{value:.2f}" if unit == "score" else f"{value:,}"


def change(figure: reports.KeyFigure) -> str | None:
    if figure.change is None:
        return None
    if figure.unit == "percent":  # a change of a rate is in percentage points, not per cent
        return t("home.points", points=f"{figure.change * 100:+.1f}")
    return f"{figure.change:+.2f}" if figure.unit == "score" else f"{figure.change:+,}"


def unchanged(figure: reports.KeyFigure) -> bool:
    """No change at the precision shown: "+0.0 个百分点" in green would still read as a rise."""
    if figure.change is None:
        return False
    shown_digits = {"percent": (100, 1), "score": (1, 2)}.get(figure.unit, (1, 0))
    return round(figure.change * shown_digits[0], shown_digits[1]) == 0


def figure_card(figure: reports.KeyFigure) -> None:
    with st.container(border=True, height="stretch"):
        label = t(figure.key)
        # Streamlit cuts a metric's label to one line ("Active residents · Elderly …"): the label
        # is written above it, where it wraps, and kept on the metric for screen readers.
        st.markdown(label)
        # More overdue cases is worse: the arrow colour follows what the number means.
        worse_when_up = figure.key == "dashboard.cases_overdue"
        # No change: no arrow and no colour ("↑ +0" in green read as a rise).
        st.metric(label, shown(figure.value, figure.unit), label_visibility="collapsed",
                  delta=t("home.unchanged") if unchanged(figure) else change(figure),
                  delta_color="off" if unchanged(figure) else "inverse" if worse_when_up else "normal",
                  delta_arrow="off" if unchanged(figure) else "auto")
        st.caption(t(f"home.basis.{figure.basis}", **figure.params))  # what the change compares with
        screen = SCREENS_BY_URL[figure.link]
        st.page_link(screen.file, label=t("home.open", screen=t(screen.title)), icon=screen.icon)


def groups_card(groups: list[reports.KeyFigure]) -> None:
    """The special groups in one card, each group's count in a line: a dozen cards saying "no
    history" and opening the same list read worse, and drew five times the page."""
    with st.container(border=True):
        st.markdown(t("home.groups"))
        st.markdown(" · ".join(f"{t('tag.' + figure.params['tag'])} **{shown(figure.value, figure.unit)}**"
                               for figure in groups))
        st.caption(t("home.basis.no_history"))
        screen = SCREENS_BY_URL[groups[0].link]
        st.page_link(screen.file, label=t("home.open", screen=t(screen.title)), icon=screen.icon)


if figures:
    st.subheader(t("home.key_figures"))
    groups = [figure for figure in figures if figure.key == "dashboard.residents_tag"]
    cards = [figure for figure in figures if figure.key != "dashboard.residents_tag"]
    for row_start in range(0, len(cards), 4):
        for column, figure in zip(st.columns(4), cards[row_start:row_start + 4], strict=False):
            with column:
                figure_card(figure)
    if groups:
        groups_card(groups)
    report_month = st.selectbox(t("home.report_month"), [date.today().replace(day=1),
                                                         mediations.add_months(date.today().replace(day=1), -1)],
                                format_func=lambda m: f"{m:%Y-%m}", key="home_report_month")
    lang = language()

    def workbook() -> bytes:
        with read_session(engine) as session:
            return reports.monthly_workbook(session, me, report_month, language=lang)

    st.download_button(t("home.monthly_report"), workbook, file_name=f"linli-report-{report_month:%Y-%m}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="home_monthly_report", on_click="ignore", icon=":material/download:", type="primary")

if can(me, "mediation.statistics"):  # 人民调解法 art. 25: the supervisor sees every high-risk case
    if watched:
        st.subheader(t("watch.title"))
        st.error(t("watch.home", count=len(watched), cases=t("common.list_separator").join(
            f"{row['number']}（{plain(row['risk_reason'])}）" for row in watched[:5])), icon=":material/crisis_alert:")
        st.page_link("screens/mediation/watch_list.py", label=t("watch.open"), icon=":material/crisis_alert:")

if todo is not None:
    st.subheader(t("todo.title"))
    if not todo:
        st.success(t("todo.none"))
    else:
        todo_table(todo)
    st.page_link("screens/mediation/cases.py", label=t("todo.open_cases"), icon=":material/gavel:")

if upcoming is not None:
    st.subheader(t("home.upcoming"))
    if not upcoming:
        st.caption(t("home.no_upcoming"))
    else:
        st.dataframe(pd.DataFrame([{t("courses.day"): f"{c['starts_at']:%Y-%m-%d %H:%M}", t("field.title"): c["title"],
                                    t("field.topic"): c["topic"], t("field.credit_hours"): c["hours"],
                                    t("home.expected"): c["expected"]} for c in upcoming]),
                     hide_index=True, width="stretch")
    st.page_link("screens/training/courses.py", label=t("nav.courses"), icon=":material/event_note:")

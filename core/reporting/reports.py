"""The supervisor's figures: the monthly workbook the office files upward, and the home dashboard.

    monthly_workbook(session, actor, month, language=None) -> bytes (.xlsx)
        permission "report.monthly" (supervisors, admins); one sheet per area, in the actor's
        language: residents (active, per special group), mediation (the month's received,
        concluded, agreements, success rate, amount, and received per dispute type), training
        (each quota of every staff member who has one) and satisfaction (count, mean, CSAT with
        95% intervals overall, per category, channel and who gave the score; small groups and
        their complements hidden). Every figure as of the month's last day; each sheet opens
        with title, community, month, as of, when made, and its counting rule. Numbers are
        numbers; text goes through core.base.exports.safe_cell so no cell runs as a formula.

    dashboard_figures(session, actor, today) -> list[KeyFigure]
        the key figures with a value to compare with, each only if the actor may see its area:
        active residents per special group, open and overdue mediation cases, training
        compliance %, satisfaction this month (count, mean, CSAT). A KeyFigure names its
        label's translation key, the screen it links to, its unit (count, percent as 0–1,
        score) and its basis — what `previous` is; `change` is value − previous. For
        "dashboard.residents_tag" the label needs the group's name:
        t(figure.key, group=t(f"tag.{figure.params['tag']}")).

Every figure comes from the job's own service (core.residents, core.mediation, core.training,
core.satisfaction), except the values as they stood on a past day that no module keeps:
residents and open cases on the last day of last month are counted here from created_at,
status_date, deleted_at and the case state history. A special-group tag has no history: the
dashboard does not compare it, and the workbook's group rows say they count today's tags.
Training compliance is computed as of the day asked (hours credited up to it). Satisfaction on
the dashboard is the month to date against the same days of last month, never a few days
against a whole month.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import xlsxwriter
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from core.activities import figures as activity_figures
from core.base import clock
from core.base.exports import Percent, cell_styles, write_cell
from core.base.i18n import DEFAULT_LANGUAGE, translate
from core.base.permissions import Actor, can, require, sees_all_grids
from core.mediation import judicial_office
from core.mediation import service as mediations
from core.mediation import statistics as mediation_statistics
from core.residents import service as residents
from core.satisfaction import service as satisfaction
from core.satisfaction.disclosure import MIN_GROUP, withheld
from core.training import service as training
from core.visits import service as visits
from db.models import CaseStateChange, Community, MediationCase, Resident, resident_tags


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _previous_month(day: date) -> date:
    return mediations.add_months(_month_start(day), -1)


def _visible_tags(actor: Actor) -> list[str]:
    """The groups counted for this user: 重点人员 are looked up in the list, not shown as cards."""
    return [tag for tag in residents.visible_tags(actor) if tag not in residents.RESTRICTED]


# --- as it stood on a day (for "change since last month") ---------------------------------------

def _residents_on(session: Session, actor: Actor, day: date, tag: str | None) -> int:
    """Active residents on `day` (registered by then, not deleted or moved out by then)."""
    next_day = datetime.combine(day + timedelta(days=1), time.min)
    query = select(func.count(Resident.id)).where(
        Resident.created_at < next_day,
        or_(Resident.deleted_at.is_(None), Resident.deleted_at >= next_day),
        or_(Resident.status == "active", Resident.status_date > day))
    if not sees_all_grids(actor):
        query = query.where(Resident.grid_id.in_(sorted(actor.grid_ids) or [-1]))
    if tag:
        query = query.where(exists().where(resident_tags.c.resident_id == Resident.id, resident_tags.c.tag == tag))
    return session.scalar(query) or 0


def _cases_open_on(session: Session, actor: Actor, day: date, *, overdue: bool) -> int:
    """Cases the actor may see whose last state change by the end of `day` left them open (and
    past due)."""
    next_day = datetime.combine(day + timedelta(days=1), time.min)
    last_state = (select(CaseStateChange.to_state).where(CaseStateChange.case_id == MediationCase.id,
                                                          CaseStateChange.at < next_day)
                  .order_by(CaseStateChange.at.desc(), CaseStateChange.id.desc()).limit(1).scalar_subquery())
    query = mediations.scoped(select(func.count(MediationCase.id)), actor).where(
        MediationCase.intake_date <= day, last_state.in_(mediations.OPEN_STATES))
    if overdue:
        query = query.where(MediationCase.due_date < day)
    return session.scalar(query) or 0


# --- the dashboard -------------------------------------------------------------------------------

@dataclass(frozen=True)
class KeyFigure:
    key: str  # translation key of the label
    value: float | int | None
    previous: float | int | None  # last month's, None when not known
    unit: str  # count | percent (0–1) | score
    link: str  # the screen it opens: residents | cases | compliance | satisfaction
    params: dict[str, Any] = field(default_factory=dict)  # for the label, e.g. {"tag": "dibao"}
    # What `previous` is: month_end (as it stood on last month's last day), same_days (the month
    # to date against the same days of last month: params days, previous_days), or no_history
    # (nothing to compare honestly with; previous is None).
    basis: str = "month_end"

    @property
    def change(self) -> float | int | None:
        if self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 4)


def dashboard_figures(session: Session, actor: Actor, today: date | None = None) -> list[KeyFigure]:
    require(actor, "home.view")
    today = today or clock.now().date()
    last_month_end = _month_start(today) - timedelta(days=1)
    figures: list[KeyFigure] = []
    if can(actor, "resident.view"):
        for tag in [None, *_visible_tags(actor)]:
            now_count = residents.count(session, actor, None,  # type: ignore[arg-type]  # no text search: no vault
                                        residents.Filters(tag=tag or "", status="active"), today=today)
            if tag is None:
                figures.append(KeyFigure("dashboard.residents", now_count,
                                         _residents_on(session, actor, last_month_end, None), "count", "residents"))
            else:  # tags keep no history: last month's count would be today's tags, not last month's
                figures.append(KeyFigure("dashboard.residents_tag", now_count, None, "count", "residents",
                                         {"tag": tag}, basis="no_history"))
    if can(actor, "mediation.statistics"):
        open_now = sum(mediations.count_cases(session, actor, mediations.CaseFilters(state=state), today=today)
                       for state in mediations.OPEN_STATES)
        overdue_now = mediations.count_cases(session, actor, mediations.CaseFilters(overdue=True), today=today)
        figures += [KeyFigure("dashboard.cases_open", open_now, _cases_open_on(session, actor, last_month_end, overdue=False),
                              "count", "cases"),
                    KeyFigure("dashboard.cases_overdue", overdue_now,
                              _cases_open_on(session, actor, last_month_end, overdue=True), "count", "cases")]
    if can(actor, "training.view_all"):  # quotas on track or met, of all quotas; hours as of each day
        figures.append(KeyFigure("dashboard.training_compliance", _on_pace_share(session, actor, today),
                                 _on_pace_share(session, actor, last_month_end), "percent", "compliance"))
    if can(actor, "satisfaction.view"):
        figures += _satisfaction_figures(session, actor, today)
    if can(actor, "visit.coverage"):  # this month's so far, against last month's as it stood at its end
        figures.append(KeyFigure(
            "dashboard.visits_on_time",
            visits.on_time_share(visits.coverage(session, actor, today, today=today)["total"].figures),
            visits.on_time_share(visits.coverage(session, actor, last_month_end, today=last_month_end)["total"].figures),
            "percent", "visit-coverage"))
    if can(actor, "activity.view"):  # distinct residents who came, against the same days of last month
        first, previous_first = _month_start(today), _previous_month(today)
        previous_last = min(previous_first + timedelta(days=today.day - 1), first - timedelta(days=1))
        figures.append(KeyFigure(
            "dashboard.activity_residents",
            activity_figures.residents_served(session, actor, first, today),
            activity_figures.residents_served(session, actor, previous_first, previous_last),
            "count", "activities", {"days": today.day, "previous_days": previous_last.day}, basis="same_days"))
    return figures


def on_pace(standing: list[dict[str, Any]]) -> int:
    """Quotas on track or met (not behind)."""
    return sum(1 for row in standing if row["status"] != "behind")


def _on_pace_share(session: Session, actor: Actor, day: date) -> float | None:
    standing = training.compliance(session, actor, today=day)
    return round(on_pace(standing) / len(standing), 4) if standing else None


def _satisfaction_figures(session: Session, actor: Actor, today: date) -> list[KeyFigure]:
    """The month to date against the same days of last month (1–6 December against 1–6
    November), never six days against a whole month. Last month shorter than today's day: all of it."""
    first = _month_start(today)
    previous_first = _previous_month(today)
    previous_last = min(previous_first + timedelta(days=today.day - 1), first - timedelta(days=1))
    now = satisfaction.days_overview(session, actor, first, today)
    before = satisfaction.days_overview(session, actor, previous_first, previous_last)
    days = {"days": today.day, "previous_days": previous_last.day}
    return [KeyFigure(f"dashboard.satisfaction_{figure}", now[figure], before[figure], unit, "satisfaction", days,
                      basis="same_days")
            for figure, unit in (("count", "count"), ("mean", "score"), ("csat", "percent"))]


# --- the monthly workbook ------------------------------------------------------------------------

Sheet = tuple[str, list[list[Any]]]  # (name, rows: the first is the header)
# Each sheet's own basis, said under its title: what the figures count and as of when.
_SHEET_RULES = ("report.rule.residents", "report.rule.mediation", "report.rule.judicial", "report.rule.training",
                "report.rule.satisfaction")


def monthly_workbook(session: Session, actor: Actor, month: date, *, language: str | None = None,
                     today: date | None = None, made_at: datetime | None = None,
                     every_community: tuple[list[str], Any] | None = None) -> bytes:
    """The office's monthly report for the month containing `month`, every figure as of the
    month's last day (today, for the month in progress) whenever it is downloaded. Each sheet
    opens with what it is: title, community, month, as of, when made, and its counting rule.

    `every_community`: (community names, standings as of a day → compliance rows) for the
    街道's combined workbook (core.reporting.street), whose view of the grids spans communities."""
    require(actor, "report.monthly")
    language = language or actor.language or DEFAULT_LANGUAGE
    made_at = made_at or clock.now()
    today = today or made_at.date()

    def t(key: str, **params: Any) -> str:
        return translate(language, key, **params)

    first = _month_start(month)
    last = mediations.add_months(first, 1) - timedelta(days=1)
    as_of = min(last, today)
    month_text = f"{first.year}-{first.month:02d}"
    names, standings = every_community or (_community_names(session, actor),
                                           lambda day: training.compliance(session, actor, today=day))
    sheets = list(zip([_residents_sheet(session, actor, as_of, today, t), _mediation_sheet(session, actor, first, t),
                       _judicial_office_sheet(session, actor, first, t), _training_sheet(standings(as_of), t),
                       _satisfaction_sheet(session, actor, first, t)], _SHEET_RULES, strict=True))
    if can(actor, "visit.coverage"):  # visits name who is in a care group: the supervisor's, not the admin's
        sheets.append((_visits_sheet(session, actor, first, as_of, t), "report.rule.visits"))
    if can(actor, "activity.view"):
        sheets.append((_activities_sheet(session, actor, first, as_of, t), "report.rule.activities"))
    title = t("report.title", month=month_text)
    community = t("common.list_separator").join(names)
    titled = []
    for (name, rows), rule in sheets:
        heading = [[f"{title} · {name}"],
                   [t("report.community"), community],
                   [t("report.month"), t("report.month_span", first=first, last=last)],
                   [t("report.as_of"), as_of],
                   [t("report.made_at"), made_at.strftime("%Y-%m-%d %H:%M")],
                   [t("report.rule"), t(rule, as_of=as_of, today=today, min_group=MIN_GROUP)]]
        titled.append((name, heading, rows))
    return _write(titled, title=title)


def _community_names(session: Session, actor: Actor) -> list[str]:
    """The communities whose figures the workbook holds: the actor's own, or all for those who
    see every grid."""
    query = select(Community.name).order_by(Community.name)
    if not sees_all_grids(actor):
        query = query.where(Community.id == actor.community_id)
    return list(session.scalars(query))


def _residents_sheet(session: Session, actor: Actor, as_of: date, today: date, t: Any) -> Sheet:
    """Active residents as of the month's last day; per special group, the residents active then
    who carry the tag today — tags keep no history, so those rows say so."""
    tagged = t("report.tags_as_of", today=today)
    rows: list[list[Any]] = [[t("report.group"), t("report.active_residents"), t("report.basis")],
                             [t("report.all_residents"), _residents_on(session, actor, as_of, None),
                              t("report.basis_as_of", as_of=as_of)]]
    rows += [[t(f"tag.{tag}"), _residents_on(session, actor, as_of, tag), tagged] for tag in _visible_tags(actor)]
    return t("report.sheet.residents"), rows


def _mediation_sheet(session: Session, actor: Actor, first: date, t: Any) -> Sheet:
    month = mediation_statistics.monthly_statistics(session, actor, first, first)[0]
    rows: list[list[Any]] = [
        [t("report.figure"), t("report.value")],
        [t("report.cases_received"), month["received"]],
        [t("report.cases_concluded"), month["concluded"]],
        [t("report.cases_agreed"), month["agreements"]],
        [t("report.re_mediations"), month["re_mediations"]],
        [t("report.cases_settled"), month["settled"]],
        [t("report.success_rate"), _percent(month["success_rate"])],
        [t("report.amount_agreed"), float(month["amount_agreed"])],
        [],
        [t("report.dispute_type"), t("report.cases_received")],
    ]
    by_type = mediation_statistics.statistics_by(session, actor, "type", first, first)
    rows += [[row["type"], row["cases"]] for row in sorted(by_type, key=lambda r: (-r["cases"], r["type"]))]
    return t("report.sheet.mediation"), rows


def _judicial_office_sheet(session: Session, actor: Actor, first: date, t: Any) -> Sheet:
    """The month's table for the 司法所, by dispute type (core.mediation.judicial_office)."""
    table = judicial_office.table(session, actor, first, first)

    def cells(label: str, row: dict[str, Any]) -> list[Any]:
        return [label, *(_percent(row[f]) if f == "success_rate" else float(row[f]) if f == "amount" else row[f]
                         for f in judicial_office.FIGURES)]

    rows = [[t("judicial.type"), *(t(f"judicial.figure.{figure}") for figure in judicial_office.FIGURES)]]
    rows += [cells(row["type"], row) for row in table["rows"]] + [cells(t("judicial.total"), table["total"])]
    rows += [[], [t("judicial.screenings", times=table["screenings"], disputes=table["screened_disputes"])]]
    return t("report.sheet.judicial"), rows


def _training_sheet(standing: list[dict[str, Any]], t: Any) -> Sheet:
    """Each quota of each staff member who has one, as of the month's last day: hours credited by
    then, what an even pace asks by then, on track / behind / met."""
    paced = on_pace(standing)
    rows: list[list[Any]] = [
        [t("report.figure"), t("report.value")],
        [t("report.staff"), len({row["user_id"] for row in standing})],
        [t("report.quotas"), len(standing)],
        [t("report.compliant"), paced],
        [t("report.compliance_rate"), Percent(paced / len(standing)) if standing else None],
        [],
        [t("report.name"), t("compliance.quota_kind"), t("report.level"), t("report.period_end"), t("report.hours"),
         t("compliance.expected"), t("report.quota"), t("report.shortfall"), t("compliance.status")],
    ]
    rows += [[row["name"], t(f"compliance.kind.{row['quota_kind']}"), t(f"level.{row['level']}"), row["period_end"],
              row["hours"], row["expected"], row["quota"], row["shortfall"], t(f"compliance.pace.{row['status']}")]
             for row in standing]
    return t("report.sheet.training"), rows


def _satisfaction_sheet(session: Session, actor: Actor, first: date, t: Any) -> Sheet:
    """The month's ratings overall, by category, by channel and by who gave the score, each group
    with its count and 95% intervals; hidden as on the screen (core.satisfaction.disclosure)."""
    filters = satisfaction.RatingFilters(first_month=first, last_month=first)
    header = [t("report.group"), t("report.ratings"), t("report.mean"), t("satisfaction.interval_low"),
              t("satisfaction.interval_high"), t("report.csat"), t("satisfaction.interval_low"),
              t("satisfaction.interval_high")]

    def line(label: str, figures: dict[str, Any]) -> list[Any]:
        reason = withheld(figures)
        if reason:
            return [label, figures["count"], *[t(f"satisfaction.{reason}")] * 6]
        return [label, figures["count"], figures["mean"], figures["mean_low"], figures["mean_high"],
                _percent(figures["csat"]), _percent(figures["csat_low"]), _percent(figures["csat_high"])]

    rows: list[list[Any]] = [header, line(t("report.all_ratings"), satisfaction.overview(session, actor, filters,
                                                                                        today=first))]
    for dimension, field_label in (("category", "field.category"), ("channel", "field.channel"),
                                   ("independence", "satisfaction.independence")):
        rows += [[], [t(field_label), *header[1:]]]
        rows += [line(t(f"satisfaction.{dimension}.{row[dimension]}"), row)
                 for row in satisfaction.by_dimension(session, actor, filters, dimension, today=first)]
    return t("report.sheet.satisfaction"), rows


def _activities_sheet(session: Session, actor: Actor, first: date, as_of: date, t: Any) -> Sheet:
    """The month's activities as of its last day (core.activities.figures): held per category,
    distinct residents served, walk-ins not registered, head counts and outreach reach apart,
    volunteer hours, and the share reached of each group the month's activities were aimed at."""
    aimed = activity_figures.aimed_groups(session, actor, first, as_of)
    found = activity_figures.figures(session, actor, first, as_of, coverage_groups=aimed,
                                     now=datetime.combine(as_of + timedelta(days=1), time.min))
    held, *others = ([label, value] for label, value in activity_figures.lines(found, t))
    rows: list[list[Any]] = [[t("report.figure"), t("report.value")], held,
                             *([f"  {name}", count] for name, count in found.by_category.items()), *others, [],
                             [t("field.target_groups"), t("report.activities.reached"), t("report.activities.in_group"),
                              t("report.activities.share")]]
    for tag in aimed:
        reached, in_group = found.coverage[tag]
        rows.append([t(f"tag.{tag}"), reached, in_group, _percent(activity_figures.share(reached, in_group))])
    return t("report.sheet.activities"), rows


def _visits_sheet(session: Session, actor: Actor, first: date, as_of: date, t: Any) -> Sheet:
    """The month's care visits as of its last day (core.visits.rules): due, on time, late, missed,
    still open, the planned residents never visited; per grid and per worker. No resident named."""
    found = visits.coverage(session, actor, first, today=as_of)
    names = [t(f"coverage.figure.{figure}") for figure in visits.FIGURES]

    def line(label: str, figures: dict[str, int]) -> list[Any]:
        return [label, *(figures[figure] for figure in visits.FIGURES), _percent(visits.on_time_share(figures))]

    rows: list[list[Any]] = [[t("report.figure"), *names, t("report.visits_on_time")],
                             line(t("report.all_grids"), found["total"].figures), [],
                             [t("field.grid"), *names, t("report.visits_on_time")]]
    rows += [line(row.label, row.figures) for row in found["grids"]]
    rows += [[], [t("field.worker"), *names, t("report.visits_on_time")]]
    rows += [line(row.label, row.figures) for row in found["workers"]]
    return t("report.sheet.visits"), rows


def _percent(share: float | None) -> Percent | None:
    return None if share is None else Percent(share)


def _write(sheets: Sequence[tuple[str, list[list[Any]], list[list[Any]]]], *, title: str) -> bytes:
    """Each sheet: its heading (title in bold, then label–value lines), a blank line, its tables
    (the first row of each, after a blank line, in bold); the tables' first header stays in view."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                                     "strings_to_urls": False})
    book.set_properties({"title": title})
    styles = cell_styles(book)
    for name, heading, rows in sheets:
        sheet = book.add_worksheet(name[:31])
        sheet.set_column(0, 0, 24)
        sheet.set_column(1, 5, 14)
        for row_index, row in enumerate(heading):
            for column, cell in enumerate(row):
                write_cell(sheet, row_index, column, cell, styles, bold=row_index == 0)
        top = len(heading) + 1
        header_next = True
        for row_index, row in enumerate(rows, start=top):
            for column, cell in enumerate(row):
                write_cell(sheet, row_index, column, cell, styles, bold=header_next)
            header_next = not row  # the row after a blank line heads a new table
        sheet.freeze_panes(top + 1, 0)
    book.close()
    return out.getvalue()

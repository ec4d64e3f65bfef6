"""The chosen resident on the residents page: details (with reveal), household, edit, status, history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from core.activities import service as activities
from core.base import audit
from core.base.crypto import Vault
from core.base.errors import LinliError, NothingChanged, StaleEdit
from core.base.permissions import Actor, can
from core.mediation import early_warning
from core.residents import history as resident_history
from core.residents import service as residents
from core.visits import rules
from core.visits import service as visits
from db.engine import read_session, write_session
from ui.forms import DATE_FORMAT, FieldErrors, save_then_rerun, show_notice
from ui.i18n import error_text, language, translated_choice
from ui.markdown import plain
from ui.residents import lookup
from ui.residents.form import resident_fields
from ui.residents.phone import call_button

Translate = Callable[..., str]


def resident_panel(t: Translate, me: Actor, engine: Engine, keys: Vault, resident_id: int, grids: dict[int, str],
                   visible_tags: list[str], *, opened: bool = False) -> None:
    if opened:  # a 重点人员's detail opened: audited once per opening
        with read_session(engine) as session:  # a write only when there is one to make (an import may hold the lock)
            restricted = residents.restricted_seen(session, me, resident_id)
        if restricted:
            with write_session(engine) as session:
                residents.note_opened(session, me, resident_id)
    with read_session(engine) as session:
        person = residents.detail(session, me, resident_id)
        events = resident_history.changes(session, me, resident_id)
    st.divider()
    st.subheader(f"{plain(person['name'])} · {t('sex.' + person['sex'])} · {t('residents.years', age=person['age'])}")
    sees_visits = can(me, "visit.view", person["grid_id"])
    details, picture, household, edit, status_tab, history = st.tabs(
        [t("residents.tab.details"), t("residents.tab.picture") if sees_visits else t("residents.tab.cases"),
         t("residents.tab.household"), t("residents.tab.edit"), t("residents.tab.status"), t("residents.tab.history")])
    with details:
        _details(t, me, engine, keys, person)
    with picture:
        if sees_visits:
            _whole_picture(t, me, engine, person)
        else:
            _cases(t, me, engine, person)
    with household:
        _household(t, me, engine, person)
    with edit:
        _edit(t, me, engine, keys, resident_id, grids, visible_tags)
    with status_tab:
        _status(t, me, engine, person)
    with history:
        _history(t, events)


def _details(t: Translate, me: Actor, engine: Engine, keys: Vault, person: dict[str, Any]) -> None:
    colon, comma = t("common.colon"), t("common.list_separator")
    left, right = st.columns(2)
    left.write(f"**{t('field.id_number')}**{colon}{plain(person['id_masked'] or '—')}")
    left.write(f"**{t('field.birth_date')}**{colon}{person['birth_date']}")
    left.write(f"**{t('field.phone')}**{colon}{plain(person['phone_masked'] or '—')}")
    if person["phone_masked"]:
        with left:
            call_button(t, me, engine, person["id"], person["grid_id"], key=f"resident_phone_{person['id']}")
    left.write(f"**{t('field.ethnicity')}**{colon}{plain(person['ethnicity'] or '—')}")
    left.write(f"**{t('field.hukou')}**{colon}{t('hukou.' + person['hukou']) if person['hukou'] else '—'}")
    right.write(f"**{t('field.grid')}**{colon}{plain(person['grid'])}")
    right.write(f"**{t('field.address')}**{colon}{plain(person['address'] or '—')}")
    right.write(f"**{t('field.relation')}**{colon}{plain(person['relation'] or '—')}")
    right.write(f"**{t('field.status')}**{colon}{t('status.' + person['status'])} {person['status_date'] or ''}")
    st.write(f"**{t('field.tags')}**{colon}" + (comma.join(t(f"tag.{tag}") for tag in person["tags"]) or "—"))
    if person["notes"]:
        st.write(f"**{t('field.notes')}**{colon}{plain(person['notes'])}")
    if can(me, "resident.reveal"):
        _reveal_form(t, me, engine, keys, person["id"])


def _case_text(t: Translate, case: dict[str, Any]) -> str:
    return (f"{case['number']}（{case['type']}，{t('side.' + case['side'])}，{t('case_state.' + case['state'])}"
            f"{'，' + t('field.risk_level') + t('risk.high') if case['risk_level'] == 'high' else ''}）")


def _cases(t: Translate, me: Actor, engine: Engine, person: dict[str, Any]) -> None:
    """The cases they are a party to, as far as this user may see (for those who see no visits)."""
    if not can(me, "mediation.view"):
        st.info(t("residents.no_cases"))
        return
    with read_session(engine) as session:
        cases = early_warning.cases_of_resident(session, me, person["id"])
    st.write(f"**{t('residents.cases')}**{t('common.colon')}" + (t("common.list_separator").join(
        _case_text(t, case) for case in cases) or t("residents.no_cases")))


def _whole_picture(t: Translate, me: Actor, engine: Engine, person: dict[str, Any]) -> None:
    """Visits, major changes and cases on one timeline, newest first; a major change recorded here
    puts a visit on the grid worker's round within 24 hours."""
    with read_session(engine) as session:
        events = visits.timeline(session, me, person["id"])
        events = sorted(events + activities.attended_by(session, me, person["id"]), key=lambda e: e["day"],
                        reverse=True)
    comma = t("common.list_separator")

    def what(event: dict[str, Any]) -> tuple[str, str]:
        if event["kind"] == "activity":
            return t("residents.timeline.activity"), f"{event['title']}（{event['category']}）"
        if event["kind"] == "case":
            return t("residents.timeline.case"), _case_text(t, event)
        if event["kind"] == "major_change":
            return t(f"visit.change.{event['change']}"), event["notes"]
        labelled = [("field.health", event["health"] and t(f"visit.condition.{event['health']}")),
                    ("field.living", event["living"] and t(f"visit.condition.{event['living']}")),
                    ("field.hazards", comma.join(t(f"visit.hazard.{code}") for code in event["hazards"])),
                    ("field.needs", comma.join(t(f"visit.need.{code}") for code in event["needs"])),
                    ("field.referred_to", event["referred_to"])]
        found = [f"{t(label)}{t('common.colon')}{value}" for label, value in labelled if value]
        found += [event["notes"]] * bool(event["notes"]) + [t("field.follow_up")] * event["follow_up"]
        return t(f"visit.method.{event['method']}"), comma.join(found)

    if events:
        st.dataframe(pd.DataFrame([{t("residents.timeline.day"): event["day"], t("residents.timeline.what"): what(event)[0],
                                    t("residents.timeline.details"): what(event)[1],
                                    t("residents.timeline.by"): event.get("by", "")} for event in events]),
                     hide_index=True, width="stretch")
    else:
        st.info(t("residents.timeline.none"))
    if can(me, "visit.record", person["grid_id"]):
        errors = FieldErrors()
        with st.form(f"major_change_{person['id']}", clear_on_submit=True):
            st.caption(t("residents.major_change_hint"))
            kind = st.selectbox(t("field.change_kind"), rules.MAJOR_CHANGES, format_func=lambda k: t(f"visit.change.{k}"),
                                key=translated_choice(f"major_change_kind_{person['id']}"))
            errors.slot("change_kind")
            day = st.date_input(t("field.occurred_on"), value=date.today(), max_value=date.today(), format=DATE_FORMAT,
                                key=f"major_change_day_{person['id']}")
            errors.slot("occurred_on")
            note = st.text_input(t("field.note"), max_chars=visits.NOTES_MAX, key=f"major_change_note_{person['id']}")
            errors.slot("note")
            if st.form_submit_button(t("residents.major_change_save")):
                try:
                    with write_session(engine) as session:
                        visits.record_major_change(session, me, person["id"], kind, day, note)
                    st.success(t("residents.major_change_saved"))
                except LinliError as exc:
                    errors.show(exc)


def _reveal_form(t: Translate, me: Actor, engine: Engine, keys: Vault, resident_id: int) -> None:
    with st.form(f"reveal_{resident_id}", clear_on_submit=True):
        st.caption(t("residents.reveal_hint"))
        what = "id_number"  # a phone is shown with one tap (call_button)
        reason = st.text_input(t("field.reason"), max_chars=200, key=f"reveal_reason_{resident_id}")
        if st.form_submit_button(t("residents.reveal")):
            try:
                with write_session(engine) as session:
                    value = residents.reveal(session, me, keys, resident_id, what, reason)
                st.success(t("residents.revealed", field=t(f"field.{what}"), value=plain(value or "—")))
            except LinliError as exc:
                st.error(error_text(exc))


def _household(t: Translate, me: Actor, engine: Engine, person: dict[str, Any]) -> None:
    if not person["members"]:
        st.info(t("residents.no_household"))
        return
    show_notice(f"household_notice_{person['id']}")
    st.write(f"**{t('field.head')}**{t('common.colon')}{plain(person['head'] or t('residents.no_head'))}")
    st.dataframe(pd.DataFrame([{t("field.person_name"): m["name"], t("field.head"): "✓" if m["is_head"] else "",
                                t("field.relation"): m["relation"], t("field.age"): m["age"],
                                t("field.status"): t(f"status.{m['status']}")}
                               for m in person["members"]]), hide_index=True, width="stretch")
    live = {m["id"]: m["name"] for m in person["members"] if m["status"] == "active" and not m["is_head"]}
    if not live or not can(me, "resident.edit", person["grid_id"]):
        return
    errors = FieldErrors()
    with st.form(f"household_head_{person['household_id']}"):
        chosen = st.selectbox(t("residents.new_head"), list(live), format_func=live.get,
                              key=f"household_head_pick_{person['household_id']}")
        errors.slot("head")
        if st.form_submit_button(t("residents.set_head")):
            save_then_rerun(engine, errors, lambda session: residents.set_head(session, me, person["household_id"],
                                                                                chosen),
                            f"household_notice_{person['id']}", t("residents.head_saved", name=plain(live[chosen])))


OPEN_KEY = "resident_panel_open"  # the resident whose panel is open, for the versions below


def note_open_resident(resident_id: int | None) -> bool:
    """The version a panel's forms hold belongs to one opening of it: another resident, or the
    same one opened again later, starts from the version saved by then, not with a stale one.
    True when this run opens the resident (not a rerun of one already open)."""
    opened = st.session_state.get(OPEN_KEY)
    if opened != resident_id:
        if opened is not None:
            st.session_state.pop(_version_key(opened), None)
        st.session_state[OPEN_KEY] = resident_id
        return resident_id is not None
    return False


def _version_key(resident_id: int) -> str:
    """The resident's version the panel's forms were loaded at (the edit and the status form)."""
    return f"resident_version_{resident_id}"


def _edit(t: Translate, me: Actor, engine: Engine, keys: Vault, resident_id: int, grids: dict[int, str],
          visible_tags: list[str]) -> None:
    version_key = _version_key(resident_id)
    with read_session(engine) as session:
        loaded, version = residents.edit_form(session, me, keys, resident_id)
    st.session_state.setdefault(version_key, version)
    if st.session_state[version_key] != version:
        st.warning(t("residents.changed_elsewhere"))
    errors = FieldErrors()
    # The inputs' keys carry the version they were loaded at: after someone else's save
    # they are new inputs showing that save, never stale values a second Save would write back.
    form_key = f"edit_{resident_id}_v{st.session_state[version_key]}"
    form = resident_fields(loaded, grids, visible_tags, errors, key=form_key)
    notice_key, refused_key = f"resident_saved_{resident_id}", f"resident_refused_{resident_id}"
    show_notice(notice_key)
    if refused := st.session_state.pop(refused_key, None):
        st.error(refused, icon=":material/error:")
    if st.button(t("common.save"), type="primary", key=f"save_resident_{resident_id}"):
        try:
            lookup.note(me, engine, keys, form.id_number, field="id_number")  # a new number is an exact lookup
            with write_session(engine) as session:
                saved = residents.update(session, me, keys, resident_id, st.session_state[version_key],
                                         residents.keep_hidden_values(session, me, keys, resident_id, form))
            st.session_state[version_key] = saved.version
            # Rerun: the details, the header and the history above were drawn before this save.
            st.session_state[notice_key] = t("residents.saved", name=plain(saved.name))
            st.rerun()
        except StaleEdit as exc:
            # Reload at once: the form shows the other person's save, to be changed again on top
            # of it; a second Save of the stale form would otherwise write back nothing but "saved".
            del st.session_state[version_key]
            st.session_state[refused_key] = error_text(exc)
            st.rerun()
        except NothingChanged as exc:
            st.info(error_text(exc))
        except LinliError as exc:
            errors.show(exc)


def _status(t: Translate, me: Actor, engine: Engine, person: dict[str, Any]) -> None:
    resident_id = person["id"]
    # The same key as the edit form's: after a save in either, the other saves on top of it
    # instead of being refused as someone else's change.
    status_version_key = _version_key(resident_id)
    st.session_state.setdefault(status_version_key, person["version"])  # the version this form showed
    notice_key = f"resident_status_saved_{resident_id}"
    show_notice(notice_key)
    with st.form(f"status_{resident_id}"):
        new_status = st.selectbox(t("field.status"), residents.STATUSES, index=residents.STATUSES.index(person["status"]),
                                  format_func=lambda v: t(f"status.{v}"))
        # Any day of the resident's life: Streamlit's default allows only the last 10 years and
        # silently keeps today for an earlier date typed in.
        status_date = st.date_input(t("field.status_date"), format=DATE_FORMAT, value=person["status_date"] or date.today(),
                                    min_value=min(d for d in (person["birth_date"], person["status_date"]) if d),
                                    max_value=date.today())
        if st.form_submit_button(t("common.save")):
            try:
                with write_session(engine) as session:
                    saved = residents.change_status(session, me, resident_id, st.session_state[status_version_key],
                                                    new_status, status_date)
                st.session_state[status_version_key] = saved.version
                st.session_state[notice_key] = t("residents.status_saved")
                st.rerun()
            except StaleEdit as exc:
                del st.session_state[status_version_key]
                st.error(error_text(exc))
            except LinliError as exc:
                st.error(error_text(exc))


# History fields whose catalogue key differs from their name.
_FIELD_LABEL = {"name": "field.person_name"}


def _history_value(lang: str, field: str, value: Any) -> str:
    """A value in words as the audit log shows it (codes named, tags joined); nothing for none."""
    return "" if value is None else audit.readable_value(lang, field, value)


def _history(t: Translate, rows: list[resident_history.Change]) -> None:
    """One row per changed field: old → new, labels from the catalogue, masked values as stored."""
    if not rows:
        st.info(t("residents.no_history"))
        return
    lang = language()
    st.dataframe(pd.DataFrame({
        t("audit.col.at"): [row.at for row in rows],
        t("audit.col.user"): [row.user for row in rows],
        t("audit.col.action"): [t(f"audit.action.{row.action}") for row in rows],
        t("field.field"): [t(_FIELD_LABEL.get(row.field, f"field.{row.field}")) if row.field else "" for row in rows],
        t("audit.col.before"): [_history_value(lang, row.field, row.before) for row in rows],
        t("audit.col.after"): [_history_value(lang, row.field, row.after) for row in rows],
    }), hide_index=True, width="stretch",
        column_config={t("audit.col.before"): st.column_config.TextColumn(width="medium"),
                       t("audit.col.after"): st.column_config.TextColumn(width="medium")})

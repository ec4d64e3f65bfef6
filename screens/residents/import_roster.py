"""Import the office's roster (导入): check first — columns found, a preview and every bad
line with its reason — then import all or nothing (or only the good rows)."""

import pandas as pd
import streamlit as st

from core.base import spreadsheets
from core.base.errors import LinliError
from core.base.permissions import can
from core.residents import imports
from core.residents import service as residents
from db.engine import read_session, write_session
from ui.i18n import ANY, error_text, t, translated_choice, unless_any
from ui.line_report import show_problems
from ui.markdown import plain
from ui.residents import lookup
from ui.session import actor, db, vault
from ui.uploader import file_picker

me = actor()
engine, keys = db(), vault()
st.title(t("import.title"))
st.caption(t("import.explain"))

with read_session(engine) as session:
    grids = residents.grid_choices(session, me)

upload = file_picker(t("field.file"), ["xlsx", "csv"], key="import_file")
partial = st.checkbox(t("import.partial"), key="import_partial", help=t("import.partial_help"))
create_grids = can(me, "resident.create_grids") and st.checkbox(t("field.create_grids"), key="import_create_grids")
default_grid = st.selectbox(t("import.default_grid"), [ANY, *grids], key=translated_choice("import_default_grid"),
                            format_func=lambda g: t("common.none") if g == ANY else grids[g])


def column_label(key: str) -> str:
    return "field.person_name" if key == "name" else f"field.{key}"  # 姓名, as everywhere, not 名称


def run_import(dry_run: bool) -> spreadsheets.Report | None:
    bar = st.progress(0.0, text=t("import.progress.validate"))

    def progress(fraction: float, stage: str) -> None:
        bar.progress(min(fraction, 1.0), text=t(f"import.progress.{stage}"))

    try:
        with write_session(engine) as session:
            return imports.import_residents(session, me, keys, upload.getvalue(), upload.name, dry_run=dry_run,
                                            allow_partial=partial, create_grids=create_grids,
                                            default_grid_id=unless_any(default_grid), progress=progress,
                                            lookup_limits=lookup.limits())
    except LinliError as exc:
        bar.empty()
        st.error(error_text(exc))
        return None


if upload is not None:
    check, go = st.columns(2)
    if check.button(t("import.check"), key="import_check", icon=":material/fact_check:"):
        st.session_state["import_report"] = (upload.file_id, run_import(dry_run=True), True)
    if go.button(t("import.go"), type="primary", key="import_go", icon=":material/upload:"):
        st.session_state["import_report"] = (upload.file_id, run_import(dry_run=False), False)

    stored = st.session_state.get("import_report")
    report, checked_only = (stored[1], stored[2]) if stored and stored[0] == upload.file_id else (None, False)
    if report is not None:
        if report.written:
            st.success(t("import.done", imported=report.imported, refused=report.refused_lines))
        elif report.problems and not partial and not checked_only:
            st.warning(t("import.blocked", read=report.rows_read, refused=report.refused_lines))
        else:
            st.info(t("import.checked", read=report.rows_read, good=report.rows_read - report.refused_lines,
                      refused=report.refused_lines))
        comma = t("common.list_separator")
        st.caption(t("import.columns", columns=comma.join(f"{t(column_label(k))} ← {plain(v)}" for k, v in report.columns.items())))
        if report.created_grids:
            st.info(t("import.created_grids", grids=plain(comma.join(report.created_grids))))
        missing = [grid for grid in report.unknown_grids if grid not in report.created_grids]
        if missing and create_grids and checked_only:
            st.info(t("import.grids_to_create", grids=plain(comma.join(missing))))
        elif missing:
            st.warning(t("import.unknown_grids", grids=plain(comma.join(missing))))
        if report.problems:
            show_problems(report, file_name="import-report.csv", key="import_report_download")
        if report.preview and not report.written:
            st.subheader(t("import.preview"))
            st.dataframe(pd.DataFrame([{t("import.col.line"): r["line"], t("field.person_name"): r["name"],
                                        t("field.sex"): t(f"sex.{r['sex']}"), t("field.birth_date"): r["birth_date"],
                                        t("field.id_number"): r["id_number"], t("field.address"): r["address"],
                                        t("field.tags"): comma.join(t(f"tag.{x}") for x in r["tags"])}
                                       for r in report.preview]), hide_index=True, width="stretch")

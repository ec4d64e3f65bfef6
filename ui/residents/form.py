"""The resident form, shared by the add and edit screens."""

from __future__ import annotations

from datetime import date

import streamlit as st

from core.base import validation
from core.base.errors import Invalid
from core.residents import identity
from core.residents import service as residents
from core.residents.service import ResidentForm
from ui.forms import FieldErrors
from ui.i18n import t, translated_choice

SEXES = ("", "男", "女")  # what core.identity.sex reads
_SEX_LABEL = {"男": "sex.M", "女": "sex.F"}


def resident_fields(loaded: ResidentForm, grids: dict[int, str], tags: list[str], errors: FieldErrors, *,
                    key: str) -> ResidentForm:
    """Draw the fields, each with a slot for its refusal; return what they hold."""
    left, right = st.columns(2)
    with left:
        name = st.text_input(t("field.person_name"), value=loaded.name, max_chars=identity.NAME_MAX, key=f"{key}_name")
        errors.slot("person_name")
        id_number = st.text_input(t("field.id_number"), value=loaded.id_number, max_chars=20, key=f"{key}_id",
                                  help=t("residents.id_help"))
        errors.slot("id_number")
        _derived_identity(id_number)
        birth = st.text_input(t("field.birth_date"), value=str(loaded.birth_date or ""), max_chars=12,
                              key=f"{key}_birth", placeholder="1980-01-01", help=t("residents.birth_help"))
        errors.slot("birth_date")
        sex = st.selectbox(t("field.sex"), SEXES, index=SEXES.index(loaded.sex) if loaded.sex in SEXES else 0,
                           key=translated_choice(f"{key}_sex"), format_func=lambda v: t(_SEX_LABEL[v]) if v else "—")
        errors.slot("sex")
        phone = st.text_input(t("field.phone"), value=loaded.phone, max_chars=20, key=f"{key}_phone")
        errors.slot("phone")
    with right:
        options = list(grids)
        grid_id = st.selectbox(t("field.grid"), options, format_func=grids.get, key=f"{key}_grid",
                               index=options.index(loaded.grid_id) if loaded.grid_id in options else 0)
        errors.slot("grid")
        address = st.text_input(t("field.address"), value=loaded.address, max_chars=residents.ADDRESS_MAX,
                                key=f"{key}_address", placeholder=t("residents.address_hint"))
        errors.slot("address")
        relation = st.text_input(t("field.relation"), value=loaded.relation, max_chars=residents.RELATION_MAX,
                                 key=f"{key}_relation", placeholder=t("residents.relation_hint"))
        errors.slot("relation")
        ethnicity = st.text_input(t("field.ethnicity"), value=loaded.ethnicity, max_chars=residents.ETHNICITY_MAX,
                                  key=f"{key}_ethnicity", placeholder=t("residents.ethnicity_hint"))
        errors.slot("ethnicity")
        hukou_options = ["", *residents.HUKOU]
        hukou = st.selectbox(t("field.hukou"), hukou_options, key=translated_choice(f"{key}_hukou"),
                             index=hukou_options.index(loaded.hukou) if loaded.hukou in hukou_options else 0,
                             format_func=lambda v: t(f"hukou.{v}") if v else "—")
        errors.slot("hukou")
        chosen_tags = st.multiselect(t("field.tags"), tags, default=[tag for tag in loaded.tags if tag in tags],
                                     format_func=lambda v: t(f"tag.{v}"), key=translated_choice(f"{key}_tags"),
                                     placeholder=t("common.choose"), select_all=False)  # nobody is every group
        errors.slot("tags")
    notes = st.text_area(t("field.notes"), value=loaded.notes, max_chars=residents.NOTES_MAX, key=f"{key}_notes")
    errors.slot("notes")
    # Tags a role may not see stay as they were.
    hidden = [tag for tag in loaded.tags if tag not in tags]
    return ResidentForm(name=name, id_number=id_number, birth_date=birth, sex=sex, phone=phone, grid_id=grid_id,
                        address=address, relation=relation, ethnicity=ethnicity, tags=[*chosen_tags, *hidden],
                        notes=notes, hukou=hukou)


def _derived_identity(id_number: str) -> None:
    """Birth date, sex and age, read from a valid ID as soon as it is typed."""
    if "*" in id_number or len(id_number.strip()) < 18:
        return
    try:
        parsed = identity.id_number(id_number)
    except Invalid:
        return
    age = validation.age_on(parsed.birth_date, date.today())
    st.caption(t("residents.derived", birth=parsed.birth_date.isoformat(), sex=t(f"sex.{parsed.sex}"), age=age))

"""Staff accounts (admin): list, create, edit role and grids, disable, reset password, unlock."""

import pandas as pd
import streamlit as st

from core.base.errors import LinliError
from core.base.permissions import COMMUNITY_ROLES, INSTALLATION_ROLES, sees_all_grids
from core.office import communities, users
from db.engine import read_session, write_session
from ui.forms import FieldErrors, show_notice
from ui.i18n import error_text, t, translated_choice
from ui.markdown import plain
from ui.session import actor, db

me = actor()
engine = db()
st.title(t("users.title"))

with read_session(engine) as session:
    accounts = users.list_users(session, me)
    all_communities = communities.list_communities(session, me)
    locked = users.locked_usernames(session, me)

community_names = {c.id: c.name for c in all_communities}
grid_names = {g.id: g.name for c in all_communities for g in c.grids}


def role_label(role: str) -> str:
    return t(f"role.{role}")


def community_picker(key: str, current: int | None) -> int | None:
    """Every account but the system administrator's belongs to a community: the admin's own, or
    one the system administrator picks."""
    options = [*community_names]
    if not options:
        st.warning(t("users.no_community"))
        return None
    return st.selectbox(t("field.community"), options, index=options.index(current) if current in options else 0,
                        format_func=community_names.get, key=translated_choice(key))


def grid_picker(key: str, community_id: int | None, current: list[int]) -> list[int]:
    options = [g.id for c in all_communities if c.id == community_id for g in c.grids]
    return st.multiselect(t("field.grids"), options, default=[g for g in current if g in options],
                          format_func=grid_names.get, key=key, placeholder=t("common.choose"))


st.dataframe(
    pd.DataFrame(
        [
            {
                t("field.username"): u.username,
                t("field.display_name"): u.display_name,
                t("field.role"): role_label(u.role),
                t("field.community"): community_names.get(u.community_id, ""),
                t("field.grids"): t("common.list_separator").join(g.name for g in u.grids),
                t("field.active"): t("common.yes") if u.active else t("common.no"),
                t("users.locked"): locked[u.username].strftime("%H:%M") if u.username in locked else "",
            }
            for u in accounts
        ]
    ),
    hide_index=True,
    width="stretch",
)

create_tab, edit_tab = st.tabs([t("users.create"), t("users.edit")])

with create_tab:
    errors = FieldErrors()
    username = st.text_input(t("field.username"), max_chars=users.USERNAME_MAX, key="new_username",
                             help=t("users.username_help"))
    errors.slot("username")
    display_name = st.text_input(t("field.display_name"), max_chars=users.DISPLAY_NAME_MAX, key="new_display_name")
    errors.slot("display_name")
    # The first account of a new community is its admin; after that, most are workers.
    first_role = "admin" if not any(u.community_id for u in accounts) else "worker"
    # 街道干部 accounts are the system administrator's to give; they belong to no community.
    new_roles = (*COMMUNITY_ROLES, "street") if sees_all_grids(me) else COMMUNITY_ROLES
    role = st.selectbox(t("field.role"), new_roles, format_func=role_label,
                        index=new_roles.index(first_role), key=translated_choice("new_role"))
    errors.slot("role")
    community_id = (None if role in INSTALLATION_ROLES
                    else community_picker("new_community", all_communities[0].id if all_communities else None))
    errors.slot("community")
    grid_ids = grid_picker("new_grids", community_id, [])
    errors.slot("grids")
    errors.slot("password")
    if st.button(t("users.create_button"), type="primary", key="create_user"):
        try:
            with write_session(engine) as session:
                account = users.create_user(session, me, username=username, display_name=display_name, role=role,
                                            community_id=community_id, grid_ids=grid_ids)
            st.session_state["users_created"] = (account.user.username, account.one_time_password)
            st.rerun()
        except LinliError as exc:
            errors.show(exc)
    created = st.session_state.pop("users_created", None)  # shown once, then forgotten
    if created:
        st.success(t("users.created", username=plain(created[0])))
        st.code(created[1], language=None)
        st.caption(t("users.one_time_hint"))

with edit_tab:
    if not accounts:
        st.info(t("users.none"))
    else:
        by_id = {u.id: u for u in accounts}
        chosen = st.selectbox(t("users.pick"), list(by_id), format_func=lambda uid: f"{by_id[uid].username} · {by_id[uid].display_name}",
                              key="edit_pick")
        user = by_id[chosen]
        # The version this form loaded: a save against a newer one is refused, not merged.
        version_key = f"edit_version_{user.id}"
        st.session_state.setdefault(version_key, user.version)
        if st.session_state[version_key] != user.version:
            st.warning(t("users.changed_elsewhere"))
            if st.button(t("common.reload"), key=f"reload_{user.id}"):
                for key in [k for k in st.session_state if str(k).endswith(f"_{user.id}")]:
                    del st.session_state[key]
                st.rerun()
        errors = FieldErrors()
        new_name = st.text_input(t("field.display_name"), value=user.display_name, max_chars=users.DISPLAY_NAME_MAX,
                                 key=f"edit_name_{user.id}")
        errors.slot("display_name")
        # There is one system administrator, and it stays; a 街道干部 stays one.
        roles = (user.role,) if user.role in INSTALLATION_ROLES else COMMUNITY_ROLES
        new_role = st.selectbox(t("field.role"), roles, index=roles.index(user.role), format_func=role_label,
                                key=translated_choice(f"edit_role_{user.id}"))
        errors.slot("role")
        new_community = (None if user.role in INSTALLATION_ROLES
                         else community_picker(f"edit_community_{user.id}", user.community_id))
        errors.slot("community")
        new_grids = grid_picker(f"edit_grids_{user.id}", new_community, [g.id for g in user.grids])
        errors.slot("grids")
        new_active = st.checkbox(t("field.active"), value=user.active, key=f"edit_active_{user.id}")
        errors.slot("active")
        save, reset, unlock = st.columns(3)
        if save.button(t("common.save"), type="primary", key=f"save_{user.id}"):
            try:
                with write_session(engine) as session:
                    saved = users.update_user(session, me, user.id, st.session_state[version_key],
                                              display_name=new_name, role=new_role, community_id=new_community,
                                              grid_ids=new_grids, active=new_active)
                st.session_state[version_key] = saved.version
                st.session_state["users_notice"] = t("users.saved", username=plain(user.username))
                st.rerun()
            except LinliError as exc:
                errors.show(exc)
        if reset.button(t("users.reset_password"), key=f"reset_{user.id}"):
            try:
                with write_session(engine) as session:
                    secret = users.reset_password(session, me, user.id)
                st.session_state["users_reset"] = (user.username, secret)
                st.session_state.pop(version_key, None)  # the reset saved a new version of this user
                st.rerun()
            except LinliError as exc:
                st.error(error_text(exc))
        if user.username in locked and unlock.button(t("users.unlock"), key=f"unlock_{user.id}"):
            with write_session(engine) as session:
                users.unlock(session, me, user.username)
            st.session_state["users_notice"] = t("users.unlocked", username=plain(user.username))
            st.rerun()
        show_notice("users_notice")
        reset_done = st.session_state.pop("users_reset", None)  # shown once, then forgotten
        if reset_done and reset_done[0] == user.username:
            st.success(t("users.reset_done", username=plain(reset_done[0])))
            st.code(reset_done[1], language=None)
            st.caption(t("users.one_time_hint"))

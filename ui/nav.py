"""The screens of Linli and the navigation each role gets, chosen on every run.

Every protected url path is always registered: logged out (or before a forced
password change) they all draw the gate screen, so a deep link shows the login form
and, after login, opens the page asked for; a page the role may not use draws a
"not allowed" message. Neither runs any of the page's own code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st
from sqlalchemy import Engine

from core.base.i18n import translate
from core.base.permissions import Actor, can
from core.base.settings import Settings
from ui import auth
from ui.i18n import language, translator
from ui.markdown import plain

NAV_PAGES_KEY = "linli_nav_pages"  # (language, allowed screens) → this session's st.Page objects


@dataclass(frozen=True)
class Screen:
    file: str
    url_path: str
    title: str  # translation key
    icon: str
    action: str  # the permission that opens it
    section: str  # translation key


SCREENS: tuple[Screen, ...] = (
    Screen("screens/home.py", "home", "nav.home", ":material/home:", "home.view", "nav.section.work"),
    Screen("screens/street/overview.py", "street", "nav.street", ":material/location_city:", "street.view",
           "nav.section.work"),
    Screen("screens/residents/list.py", "residents", "nav.residents", ":material/groups:", "resident.view", "nav.section.work"),
    Screen("screens/residents/new.py", "resident-new", "nav.resident_new", ":material/person_add:", "resident.edit",
           "nav.section.work"),
    Screen("screens/residents/import_roster.py", "resident-import", "nav.resident_import", ":material/upload_file:",
           "resident.import", "nav.section.work"),
    Screen("screens/assessment/overview.py", "assessment", "nav.assessment", ":material/leaderboard:",
           "assessment.view", "nav.section.work"),
    Screen("screens/assessment/annual.py", "assessment-annual", "nav.annual", ":material/workspace_premium:",
           "assessment.annual", "nav.section.work"),
    Screen("screens/visits/round.py", "round", "nav.round", ":material/directions_walk:", "visit.record",
           "nav.section.visits"),
    Screen("screens/visits/plan.py", "visit-plan", "nav.visit_plan", ":material/event_repeat:", "visit.plan",
           "nav.section.visits"),
    Screen("screens/visits/coverage.py", "visit-coverage", "nav.visit_coverage", ":material/map:",
           "visit.coverage", "nav.section.visits"),
    Screen("screens/visits/frequencies.py", "visit-frequencies", "nav.visit_frequencies", ":material/tune:",
           "visit.settings", "nav.section.visits"),
    Screen("screens/activities/list.py", "activities", "nav.activities", ":material/celebration:", "activity.view",
           "nav.section.visits"),
    Screen("screens/activities/categories.py", "activity-categories", "nav.activity_categories", ":material/category:",
           "activity.settings", "nav.section.visits"),
    Screen("screens/mediation/my_todo.py", "my-todo", "nav.my_todo", ":material/checklist:", "mediation.view",
           "nav.section.mediation"),
    Screen("screens/mediation/cases.py", "cases", "nav.cases", ":material/gavel:", "mediation.view", "nav.section.mediation"),
    Screen("screens/mediation/case_new.py", "case-new", "nav.case_new", ":material/add_circle:", "mediation.edit",
           "nav.section.mediation"),
    Screen("screens/mediation/watch_list.py", "watch-list", "nav.watch_list", ":material/crisis_alert:",
           "mediation.view", "nav.section.mediation"),
    Screen("screens/mediation/screenings.py", "screenings", "nav.screenings", ":material/search:", "mediation.edit",
           "nav.section.mediation"),
    Screen("screens/mediation/statistics.py", "mediation-stats", "nav.mediation_stats", ":material/bar_chart:",
           "mediation.statistics", "nav.section.mediation"),
    Screen("screens/training/my_training.py", "my-training", "nav.my_training", ":material/school:", "training.view_own",
           "nav.section.training"),
    Screen("screens/training/courses.py", "courses", "nav.courses", ":material/event_note:", "training.manage",
           "nav.section.training"),
    Screen("screens/training/compliance.py", "compliance", "nav.compliance", ":material/fact_check:", "training.view_all",
           "nav.section.training"),
    Screen("screens/training/external_review.py", "external-hours", "nav.external_review", ":material/approval:",
           "training.approve", "nav.section.training"),
    Screen("screens/training/settings.py", "training-settings", "nav.training_settings", ":material/tune:",
           "training.manage", "nav.section.training"),
    Screen("screens/training/checkin.py", "checkin", "nav.checkin", ":material/qr_code_scanner:", "training.view_own",
           "nav.section.training"),
    Screen("screens/satisfaction/ratings.py", "ratings", "nav.ratings", ":material/reviews:", "satisfaction.record",
           "nav.section.satisfaction"),
    Screen("screens/satisfaction/analysis.py", "satisfaction", "nav.satisfaction", ":material/sentiment_satisfied:",
           "satisfaction.view", "nav.section.satisfaction"),
    Screen("screens/office/users.py", "users", "nav.users", ":material/group:", "user.manage", "nav.section.admin"),
    Screen("screens/office/communities.py", "communities", "nav.communities", ":material/apartment:", "community.manage",
           "nav.section.admin"),
    Screen("screens/mediation/dispute_types.py", "dispute-types", "nav.dispute_types", ":material/category:", "mediation.types",
           "nav.section.admin"),
    Screen("screens/assessment/scheme.py", "assessment-scheme", "nav.scheme", ":material/rule:", "assessment.settings",
           "nav.section.admin"),
    Screen("screens/office/audit.py", "audit", "nav.audit", ":material/policy:", "audit.view", "nav.section.admin"),
    Screen("screens/office/profile.py", "profile", "nav.profile", ":material/person:", "profile.edit", "nav.section.me"),
)
HOME = SCREENS[0]
SCREENS_BY_URL = {spec.url_path: spec for spec in SCREENS}
# Opened from a resident's QR code: reachable logged out, and it links nowhere.
PUBLIC_RATING = Screen("screens/satisfaction/rate.py", "rate", "rate.title", ":material/star:", "", "")


def _public_rating_title() -> str:
    return "邻里 · " + translate("zh-CN", PUBLIC_RATING.title)  # residents read it in Chinese


def _public_rating_page() -> st.Page:
    return st.Page(PUBLIC_RATING.file, title=_public_rating_title(), url_path=PUBLIC_RATING.url_path,
                   visibility="hidden")


def _every_path_draws(page: Callable[[], None] | str, title: Callable[[Screen], str]) -> st.navigation:
    """Every staff url path draws `page`, and /rate the public rating page: a deep link or a guessed
    address gets neither a staff screen nor a "page not found" notice."""
    pages = [st.Page(page, title=title(spec), icon=spec.icon, url_path=spec.url_path, default=spec is HOME,
                     visibility="visible" if spec is HOME else "hidden") for spec in SCREENS]
    return st.navigation([*pages, _public_rating_page()], position="hidden")


def public_only_navigation() -> st.navigation:
    """An instance for residents' phones: every path draws the rating page; no login, no other page."""
    return _every_path_draws(PUBLIC_RATING.file, lambda spec: _public_rating_title())


def page_for(actor: Actor | None, engine: Engine, settings: Settings) -> st.Page:
    """The page this run draws: the login or forced password change gate, or the chosen
    screen of the role's navigation with the signed-in sidebar."""
    if actor is None:
        return gate_navigation(lambda: auth.login_screen(engine, settings))
    if actor.must_change_password:
        return gate_navigation(lambda: auth.forced_password_screen(engine, settings, actor))
    page = role_navigation(actor)
    t = translator()
    with st.sidebar:
        st.caption(t("sidebar.signed_in_as", name=plain(actor.display_name), role=t(f"role.{actor.role}")))
        auth.language_switch(actor, engine, container=st.sidebar)
        if st.button(t("logout.button"), key="logout_button", icon=":material/logout:"):
            auth.request_logout()
    return page


def gate_navigation(screen: Callable[[], None]) -> st.navigation:
    """Every url path draws the same gate screen (login, or forced password change)."""
    t = translator()
    return _every_path_draws(screen, lambda spec: t(spec.title))


def role_navigation(actor: Actor) -> st.Page:
    return st.navigation(_role_sections(actor), expanded=True)  # every screen of the role, no "view more"


def _role_sections(actor: Actor) -> dict[str, list[st.Page]]:
    """The role's pages by section, built once per session and language.

    st.Page resolves and checks each file on construction (~1 ms for all screens on every
    rerun). The objects are kept in this session only: st.navigation marks the chosen one
    runnable, so pages shared between sessions could be run by the wrong one.
    """
    allowed = tuple(can(actor, spec.action) for spec in SCREENS)
    key = (language(), allowed)
    kept = st.session_state.get(NAV_PAGES_KEY)
    if kept is not None and kept[0] == key:
        return kept[1]
    t = translator()
    sections: dict[str, list[st.Page]] = {}
    for spec, may in zip(SCREENS, allowed, strict=True):
        if may:
            page = st.Page(spec.file, title=t(spec.title), icon=spec.icon, url_path=spec.url_path, default=spec is HOME)
        else:
            page = st.Page(_not_allowed, title=t(spec.title), url_path=spec.url_path, visibility="hidden")
        sections.setdefault(t(spec.section), []).append(page)
    sections[t(HOME.section)].append(_public_rating_page())
    st.session_state[NAV_PAGES_KEY] = (key, sections)
    return sections


def _not_allowed() -> None:
    t = translator()
    st.error(t("nav.not_allowed"))
    st.page_link(HOME.file, label=t("nav.home"), icon=HOME.icon)

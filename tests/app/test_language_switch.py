"""A language switch mid-page: every translated choice keeps its value and reads in the new language."""

import pytest

from core.base import audit
from core.mediation import service as mediations
from core.satisfaction import service as satisfaction
from tests.app.conftest import login, new_app, open_url
from tests.app.test_roles import ALLOWED
from ui.i18n import ANY, TRANSLATED_CHOICES

# Screen → the choices set before the switch (the rest stay at their "all" entry).
SCREENS = {
    "residents": {"residents_tag": "elderly_alone", "residents_status": "moved_out", "residents_grid": ANY},
    "cases": {"cases_state": mediations.STATES[1], "cases_type": ANY, "cases_grid": ANY, "cases_mediator": ANY},
    "audit": {"audit_action": audit.ACTIONS[0]},
    "satisfaction": {"sat_category": satisfaction.CATEGORIES[0], "sat_channel": satisfaction.CHANNELS[-1],
                     "sat_grid": ANY, "sat_worker": 0},
}


@pytest.mark.parametrize("screen", SCREENS)
def test_a_switch_keeps_each_choice_and_tells_the_browser_its_new_label(app_world, screen):
    at = open_url(login(new_app(), "supervisor1"), screen)
    chosen = SCREENS[screen]
    for key, value in chosen.items():
        if value != ANY:
            at.selectbox(key=key).select(value)
    at.run()
    chinese = {key: at.selectbox(key=key).options[at.selectbox(key=key).index] for key in chosen}

    at.sidebar.selectbox(key="language_switch_user").select("en").run()

    for key, value in chosen.items():
        box = at.selectbox(key=key)
        assert box.value == value, key  # the choice is kept …
        english = box.options[box.index]
        assert english != chinese[key], key
        # … and the browser is sent its English label: it would otherwise go on showing (and
        # sending back) the Chinese word, and the next change on the page would reset the choice.
        assert box.proto.set_value and box.proto.raw_value == english, key


def choice_options(at) -> dict[str, tuple[str, ...]]:
    """The labels of every keyed choice on the screen (unkeyed ones are new widgets in each language)."""
    return {box.key: tuple(box.options) for box in [*at.selectbox, *at.radio, *at.multiselect]
            if box.key and not box.key.startswith("language_switch")}


def test_every_choice_whose_labels_are_translated_is_relabelled_on_a_switch(app_world):
    """A sweep of the screens in both languages, so a translated choice added later cannot be missed."""
    def sweep() -> tuple[dict[str, tuple[str, ...]], set[str]]:
        options, relabelled = {}, set()
        for url in sorted(ALLOWED["admin"]):
            # A new app per screen: AppTest formats the last screen's choices again outside the
            # script run, where t() cannot read the session's language.
            at = open_url(login(new_app(), "admin1"), url)
            options.update(choice_options(at))
            relabelled |= set(at.session_state[TRANSLATED_CHOICES]) if TRANSLATED_CHOICES in at.session_state else set()
        return options, relabelled

    chinese, _ = sweep()
    login(new_app(), "admin1").sidebar.selectbox(key="language_switch_user").select("en").run()  # remembered
    english, relabelled = sweep()
    translated = {key for key, labels in chinese.items() if english.get(key, labels) != labels}
    assert len(translated) >= 10  # filters of residents, cases, audit, satisfaction; roles, levels …
    assert translated - relabelled == set()


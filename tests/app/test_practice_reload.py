"""A reload keeps the practice session: scenario, trainee and language from the URL, the last answer and
the last feedback of every task from the store; and a check replaces the card's one feedback box."""

from __future__ import annotations

from app_helpers import new_app, start

from simulator.core.i18n import t


def _boxes(at) -> list[str]:
    return [e.value for kind in ("success", "warning", "error", "info") for e in getattr(at, kind)]


def _check(at, task: str, scenario: str = "app-ads"):
    at.button(key=f"practice.check.{scenario}.{task}").click().run()
    assert not at.exception, at.exception
    return at


def _reload(url: dict) -> object:
    """A new browser session on the same URL (what F5 does)."""
    at = new_app()
    for name, value in url.items():
        at.query_params[name] = value
    return at.run()


def test_the_url_keeps_scenario_trainee_and_language():
    at = start("app-ads", "R-URL", lang="en")
    url = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert url == {"scenario": "app-ads", "trainee": "R-URL", "lang": "en"}
    again = _reload(url)
    assert not again.exception, again.exception
    assert again.title[0].value == "Practice"
    assert again.selectbox(key="practice.scenario").value == "app-ads"
    assert "practice.who_id" not in [ti.key for ti in again.text_input]  # no second identification
    assert any("R-URL" in m.value for m in again.markdown)


def test_reload_brings_back_each_answer_and_its_feedback():
    at = start("app-ads", "R-001")
    at.text_input(key="practice.ans.app-ads.t1.value").input("0.5")
    _check(at, "t1")
    at.text_input(key="practice.ans.app-ads.t3.field.n_control").input("12")
    at.radio(key="practice.ans.app-ads.t3.field.significant").set_value("yes")
    _check(at, "t3")
    before = _boxes(at)
    assert len(before) == 2
    again = _reload({"scenario": "app-ads", "trainee": "R-001"})
    assert not again.exception, again.exception
    assert again.text_input(key="practice.ans.app-ads.t1.value").value == "0.5"
    assert again.text_input(key="practice.ans.app-ads.t3.field.n_control").value == "12"
    assert again.radio(key="practice.ans.app-ads.t3.field.significant").value == "yes"
    assert _boxes(again) == before


def test_an_empty_check_replaces_the_old_feedback_box():
    at = start("app-ads", "R-002")
    box = "practice.ans.app-ads.t1.value"
    at.text_input(key=box).input("abc")
    _check(at, "t1")
    assert any(t("ui.status.invalid", "zh") in m for m in _boxes(at))
    at.text_input(key=box).input("")
    _check(at, "t1")
    assert _boxes(at) == [t("ui.answer.empty", "zh")]
    at.text_input(key=box).input("0.5")
    _check(at, "t1")
    texts = _boxes(at)
    assert len(texts) == 1 and texts[0].startswith(t("ui.status.wrong", "zh"))


def test_an_answer_typed_but_not_checked_comes_back_too():
    at = start("app-ads", "R-003")
    at.text_input(key="practice.ans.app-ads.t1.value").input("2.5%").run()
    assert not at.exception, at.exception
    again = _reload({"scenario": "app-ads", "trainee": "R-003"})
    assert again.text_input(key="practice.ans.app-ads.t1.value").value == "2.5%"
    assert _boxes(again) == []  # nothing was checked: no feedback, no attempt
    assert not any("最高得分" in c.value for c in again.caption)

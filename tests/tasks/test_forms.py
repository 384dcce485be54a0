"""Every kind's answer form, for every shipped task: built from the public question only, able to hold the
key's own answer (split → assemble gives back what grades full marks), with unique widget keys."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from simulator import generate_datasets
from simulator import tasks as registry
from simulator.assessment.grading import _context, answer_key, public_questions
from simulator.assessment.scenario import load_scenario, shipped_paths
from simulator.core.forms import AnswerForm, Choice, Grid, Group, Upload, YesNo, assemble, split
from simulator.core.i18n import Msg
from simulator.tasks.base import Made, TaskKind

TRAINEES = ("T001", "T017")
CASES = [(path, task.id) for path in shipped_paths() for task in load_scenario(path).tasks]


def _leaves(value: Any, keys: bool = True) -> list[Any]:
    """Every scalar inside nested mappings, lists and tuples (with the mappings' keys, or without)."""
    if isinstance(value, dict):
        return [x for k, v in value.items() for x in (*(_leaves(k) if keys else []), *_leaves(v, keys))]
    if isinstance(value, list | tuple):
        return [x for v in value for x in _leaves(v, keys)]
    return [value]


def _shown(value: Any) -> list[Any]:
    """What a form shows or submits: option values and texts, part and row codes, message arguments."""
    if isinstance(value, Msg):
        return [x for v in value.args.values() for x in _shown(v)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        skip = {"precision", "max_chars", "min_chars", "multiline", "multiple", "lettered", "joined"}
        return [x for f in dataclasses.fields(value) if f.name not in skip
                for x in _shown(getattr(value, f.name))]
    if isinstance(value, list | tuple):
        return [x for v in value for x in _shown(v)]
    return [value]


def _secrets(key: dict[str, Any], public: list[Any]) -> set[Any]:
    """Key values a form must not contain: texts and numbers not already public (params, question)."""
    out: set[Any] = set()
    for leaf in _leaves({k: v for k, v in key.items() if k != "options"}, keys=False):
        if isinstance(leaf, bool) or leaf is None or leaf in public:
            continue
        if isinstance(leaf, str) and len(leaf) >= 2 or isinstance(leaf, float) and not leaf.is_integer():
            out.add(leaf)
        elif isinstance(leaf, int | float) and abs(leaf) >= 10:
            out.add(leaf)
    return out


def _widget_keys(form: AnswerForm) -> list[tuple[str, ...]]:
    out = []
    for field in form.fields:
        parts = field.parts if isinstance(field, Group) else ()
        out += [field.key + (code,) for code, _ in parts] if parts else [field.key]
    return out


def _by_name(form: AnswerForm, raw: Any) -> Any:
    """A multi-field answer keyed by field names (``as_raw`` may key fields by their zh/en labels)."""
    if not isinstance(raw, dict) or form.whole is not None:
        return raw
    names = {f.label.render(lang): f.name for f in form.fields if f.name for lang in ("zh", "en")}
    return {names.get(str(k), k): v for k, v in raw.items()}


def _holds(form: AnswerForm, raw: Any) -> None:
    """Every part of the key's raw answer has a field in the form (a whole answer: the one field)."""
    values = split(form, raw)
    assert set(values) == (set(raw) if isinstance(raw, dict) and form.whole is None else {None})
    for name, value in values.items():
        field = next(f for f in form.fields if f.name == name)
        if isinstance(field, Group):
            assert set(map(str, value)) <= {code for code, _ in field.parts}
        elif isinstance(field, Grid) and not field.joined:
            assert set(value) <= {c for c, _ in field.rows}


@pytest.mark.parametrize(("path", "task_id"), CASES, ids=[f"{p.stem}-{t}" for p, t in CASES])
def test_form_from_question_holds_the_key_and_grades_full(path, task_id):
    sc = load_scenario(path)
    task = next(t for t in sc.tasks if t.id == task_id)
    module = registry.get(task.kind)
    params = module.Params(**task.params)
    ctx = _context(sc)
    for trainee in TRAINEES:
        entry = next(e for e in answer_key(sc, trainee)["tasks"] if e["id"] == task_id)
        question = public_questions(sc, trainee)[task_id]
        key = entry["answer"]
        form = module.form(params, question)
        assert form == module.form(params, public_questions(sc, trainee)[task_id])  # nothing else goes in
        data = generate_datasets(sc, trainee)
        assert registry.question(task.kind, params, data, ctx) == question  # the page's cheap path agrees
        assert question == {} or registry.has_question(task.kind)  # no hook: the question is empty

        public = _leaves(question) + _leaves(params.model_dump(mode="json"))
        leaked = _secrets(key, public) & {v for v in _shown(form) if isinstance(v, str | int | float)}
        assert not leaked, f"key values in the form: {leaked}"
        assert "value" not in question and question.get("options", key.get("options")) == key.get("options")

        keys = _widget_keys(form)
        assert len(keys) == len(set(keys)), keys

        raw = _by_name(form, module.as_raw(key, params, ctx))
        _holds(form, raw)
        again = assemble(form, split(form, raw))
        if isinstance(raw, dict) and form.whole is None:
            assert again == raw
        else:
            assert again is raw
        checked = module.check(key, module.parse(again, params, ctx), params, ctx)
        if form.graded_by == "rater":
            assert task.kind == "free_text" and checked.final_status() == "ungraded"
        else:
            assert checked.fraction == pytest.approx(1.0), (trainee, task_id, checked.feedback)


def test_upload_forms_name_dataset_key_columns_and_decimals():
    from simulator.tasks import report_table

    params = report_table.Params(dataset="ad_delivery", by=["campaign_id"], metrics=["clicks", "ctr"])
    upload = report_table.form(params, {}).upload
    assert upload == Upload(dataset="ad_delivery", key_columns=("campaign_id",), precision=(("clicks", 0), ("ctr", 4)))


def test_choice_form_letters_options_and_judgement():
    from simulator.tasks import choice

    top = choice.Params(dataset="ad_delivery", question="top_by_metric", entity="campaign_id", metric="ctr")
    form = choice.form(top, {"options": {"A": "C01", "B": "none"}})
    field = form.fields[0]
    assert isinstance(field, Choice) and field.key == ("one",) and not field.multiple
    assert [o.value for o in field.options] == ["A", "B"] and field.options[1].shown == Msg("ui.choice.none")
    judge = choice.Params(dataset="ad_delivery", question="compare", entity="campaign_id", metric="cpc")
    judged = choice.form(judge, {"options": {"X": "C01", "Y": "C02"}})
    assert judged.fields == (YesNo(None, ("judge",), Msg("ui.choice.judge"), words="ui.choice"),)
    assert judged.note is not None and judged.note.render("en") == "X = C01 ; Y = C02"
    assert choice.form(top, {}).fields[0].key == ("letters",)


def test_five_a_form_takes_levels_from_the_question():
    from simulator.tasks import five_a_map

    params = five_a_map.Params(segment="gender", platform_population={"female": 900, "male": 800},
                               ask=["by_segment", "penetration"])
    grid, group = five_a_map.form(params, {"segment_levels": ["female", "male"],
                                           "platform_levels": ["female", "male"]}).fields
    assert isinstance(grid, Grid) and not grid.joined and grid.row_values == "gender"
    assert [c for c, _ in grid.rows] == ["female", "male"]
    assert isinstance(group, Group) and [c for c, _ in group.parts] == ["female", "male"]


def test_registry_discovers_kinds_in_a_stable_order():
    kinds = registry.kinds()
    assert kinds[:len(registry.ORDER)] == registry.ORDER  # the first kinds keep their order
    assert list(kinds[len(registry.ORDER):]) == sorted(kinds[len(registry.ORDER):])  # later ones by name
    for kind in registry.kinds():
        module = registry.get(kind)
        assert isinstance(module, TaskKind) and module.KIND == kind
    with pytest.raises(KeyError):
        registry.get("nope")
    assert registry.max_answer_chars("report_table") is None and registry.max_answer_chars("metric") == 1_000
    assert registry.max_answer_chars("free_text") == 20_000
    assert registry.graded_by("free_text") == "rater" and registry.graded_by("metric") == "auto"
    assert registry.report_tables("metric", {}, {}) == []
    table = registry.report_tables("report_table", {"by": ["date", "channel"]}, {"rows": [{"date": 1}]})[0]
    assert table.by == ["date", "channel"] and table.rows == [{"date": 1}]
    assert registry.fragile("free_text", None, {}) is None and not registry.has_fragile("free_text")
    assert registry.has_fragile("choice")


def test_made_keeps_question_and_key_apart():
    made = Made({"options": {"A": "x"}}, {"value": "A", "options": {"A": "x"}})
    assert made.key["value"] == "A" and "value" not in made.question


def test_the_leak_check_sees_a_key_value_in_a_form():
    from simulator.core.forms import Number

    key = {"value": 0.067742, "misconceptions": {"choice.x": [12.5]}}
    leaky = AnswerForm((Number(None, ("value",), Msg("ui.answer.value", {"hint": 0.067742})),))
    assert _secrets(key, []) == {0.067742, 12.5}
    assert _secrets(key, []) & set(_shown(leaky)) == {0.067742}


def test_new_kinds_sort_after_the_known_ones():
    assert registry.ordered(["zz_new", "summary_report", "aa_new", "metric"]) == [
        "metric", "summary_report", "aa_new", "zz_new"]

"""选择/判断 answers: options labelled A, B, C … with the entities from the trainee's data.

The options (label → entity name) are part of the task's key document, as the question is built from
the data; they are not secret, the right option is. :func:`options_for` builds only this one task from
the trainee's data (not the scenario's whole answer key), keeps only its options, and caches them per
process; the right option never reaches the page or the session state.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import streamlit as st

from simulator import tasks as registry
from simulator.app.ui.answer_forms import Collected, FormContext, text_value, yes_no
from simulator.assessment.datasets import generate_datasets
from simulator.core.i18n import t
from simulator.tasks.choice import NONE_OPTION

JUDGE = ("compare", "same_leader")


OPTIONS_CACHE = 2048
"""Option sets kept per process (a class of 40 with a few choice tasks each fits many times over)."""
_options: OrderedDict[tuple[str, str, str, str], dict[str, str]] = OrderedDict()
_options_lock = threading.Lock()


def options_for(scenario: Any, trainee_id: str, task_id: str) -> dict[str, str]:
    """Option letter → what it shows (an entity name, or ``none``) for this trainee; never the answer."""
    cache_key = (scenario.id, scenario.digest, str(trainee_id), task_id)
    with _options_lock:
        if cache_key in _options:
            _options.move_to_end(cache_key)
            return _options[cache_key]
    task = next(tk for tk in scenario.tasks if tk.id == task_id)
    module = registry.get(task.kind)
    built = module.make(module.Params(**task.params), generate_datasets(scenario, str(trainee_id)), None)
    options = {str(k): str(v) for k, v in (built.get("options") or {}).items()}
    with _options_lock:
        _options[cache_key] = options
        while len(_options) > OPTIONS_CACHE:
            _options.popitem(last=False)
    return options


def _option_text(letter: str, options: dict[str, str], lang: str) -> str:
    shown = t("ui.choice.none", lang) if options[letter] == NONE_OPTION else options[letter]
    return f"{letter}. {shown}"


def collect(fc: FormContext) -> Collected:
    """Radio for one answer, multiselect for several, 对/错 for a judgement."""
    question = fc.params.question
    options = options_for(fc.scenario, fc.trainee_id, fc.task.id) if fc.scenario and fc.trainee_id else {}
    if question in JUDGE:
        if options:
            st.caption(" ; ".join(f"{k} = {v}" for k, v in options.items()))
        return Collected(yes_no(fc, t("ui.choice.judge", fc.lang), "judge", words="ui.choice"))
    if not options:
        label = t("ui.choice.letters", fc.lang)
        return Collected(text_value(fc, label, "letters", hint="ui.choice.letters_hint"))
    letters = list(options)
    if question == "above_threshold":
        chosen = st.multiselect(t("ui.choice.many", fc.lang), letters, key=fc.k("many"),
                                format_func=lambda k: _option_text(k, options, fc.lang), disabled=fc.disabled,
                                on_change=fc.on_change, placeholder=t("ui.answer.choose_many", fc.lang))
        return Collected(list(chosen) or None)
    chosen_one = st.radio(t("ui.choice.one", fc.lang), letters, index=None, key=fc.k("one"),
                          format_func=lambda k: _option_text(k, options, fc.lang), disabled=fc.disabled,
                          on_change=fc.on_change)
    return Collected(chosen_one)

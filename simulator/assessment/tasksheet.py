"""The task sheet (``tasks.md``) a trainee reads: context, data description and every task."""

from __future__ import annotations

import pandas as pd

from simulator import tasks as registry
from simulator.assessment.scenario import Scenario, TaskSpec
from simulator.core import standard
from simulator.core.i18n import register, t

register({
    "sheet.level": {"zh": "等级", "en": "Level"},
    "sheet.direction": {"zh": "职业方向", "en": "Direction"},
    "sheet.context": {"zh": "业务背景", "en": "Business context"},
    "sheet.data": {"zh": "数据说明", "en": "The data"},
    "sheet.tasks": {"zh": "任务", "en": "Tasks"},
    "sheet.rows": {"zh": "{rows} 行", "en": "{rows} rows"},
    "sheet.points": {"zh": "{points} 分", "en": "{points} points"},
    "sheet.skills": {"zh": "对应技能", "en": "Skills"},
    "sheet.total": {"zh": "满分 100 分(百分制),{pass_mark} 分及格。",
                    "en": "Scored out of 100; {pass_mark} passes."},
    "sheet.duration": {"zh": "考试时长 {minutes} 分钟。", "en": "Time allowed: {minutes} minutes."},
    "sheet.options": {"zh": "选项", "en": "Options"},
    "sheet.none_option": {"zh": "以上都不是", "en": "None of these"},
})


def public_options(scenario: Scenario, trainee_id: str) -> dict[str, dict[str, str]]:
    """Task id → the options shown with a 选择/判断 question (letters → entities); never the right one.

    The options are built from the trainee's data together with the key; they are read from each task's
    public question (:func:`simulator.assessment.grading.public_questions`), never from the key.
    """
    from simulator.assessment.grading import public_questions

    out = {}
    for task_id, question in public_questions(scenario, trainee_id).items():
        options = question.get("options")
        if options:
            out[task_id] = {str(k): str(v) for k, v in options.items()}
    return out


def _options_lines(options: dict[str, str], lang: str) -> list[str]:
    shown = {k: (t("sheet.none_option", lang) if v == "none" else v) for k, v in options.items()}
    return [f"{t('sheet.options', lang)}:", "", *[f"- **{k}**. {v}" for k, v in shown.items()], ""]


def _fmt_points(points: float) -> str:
    return f"{points:g}"


def task_title(task: TaskSpec, lang: str) -> str:
    return task.title.get(lang) if task.title else task.id


def task_text(task: TaskSpec, lang: str) -> str:
    """The instruction for one task: the author's prompt if any, then the kind's own description."""
    params = registry.get(task.kind).Params(**task.params)
    described = registry.get(task.kind).describe(params, lang)
    return f"{task.prompt.get(lang)}\n\n{described}" if task.prompt else described


def dataset_lines(frames: dict[str, pd.DataFrame], lang: str) -> list[str]:
    from simulator.engine.labels import column_label

    lines = []
    for name, df in frames.items():
        cols = ", ".join(column_label(c, lang, name) for c in df.columns)
        lines.append(f"- `{name}` ({t('sheet.rows', lang, rows=len(df))}): {cols}")
    return lines


def render(scenario: Scenario, frames: dict[str, pd.DataFrame], lang: str = "zh",
           options: dict[str, dict[str, str]] | None = None) -> str:
    """Markdown of the whole sheet for one trainee (no answers in it); ``options`` from public_options."""
    level = standard.LEVEL_NAMES[scenario.level] if lang == "zh" else scenario.level
    direction = scenario.direction if lang == "zh" else standard.DIRECTION_EN[scenario.direction]
    out = [f"# {scenario.title.get(lang)}", "",
           f"**{t('sheet.level', lang)}**: {level} · **{t('sheet.direction', lang)}**: {direction}", "",
           t("sheet.total", lang, pass_mark=_fmt_points(scenario.pass_mark))]
    if scenario.duration_minutes:
        out.append(t("sheet.duration", lang, minutes=scenario.duration_minutes))
    out += ["", f"## {t('sheet.context', lang)}", "", scenario.context.get(lang).strip(), "",
            f"## {t('sheet.data', lang)}", "", *dataset_lines(frames, lang), "", f"## {t('sheet.tasks', lang)}", ""]
    for task in scenario.tasks:
        points = t("sheet.points", lang, points=_fmt_points(task.points))
        out += [f"### {task.id}. {task_title(task, lang)} ({points})", "", task_text(task, lang), ""]
        if options and task.id in options:
            out += _options_lines(options[task.id], lang)
        out += [f"*{t('sheet.skills', lang)}: {', '.join(task.skills)}*", ""]
    return "\n".join(out)

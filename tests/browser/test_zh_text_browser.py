"""In the zh UI every visible word is Chinese: practice (tasks, data, progress), exam and instructor pages.

Allowed ASCII: column and dataset codes (``ad_delivery``, ``ctr``), file names, words with a digit
(ids, skill codes L4/6.1.1, stage codes A1), single letters (option letters), capitals (units and
abbreviations: CSV, MB, ROI, UTF-8), product names (Excel, WPS), the language menu's "English", and
``none``, the contract's code for "outside the asset" that trainees type in 5A flows (``none>A1``).
Material icons (drawn from ligature words) and text hidden from the reader are not words on the page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from data.generators import all_columns
from simulator.core.i18n import t
from simulator.engine.metrics import METRICS
from simulator.service import exam_admin
from simulator.service.store import Store

pytestmark = pytest.mark.browser
SCENARIOS = Path(__file__).resolve().parents[1] / "app" / "fixtures" / "scenarios"
NAMES = {"English", "Excel", "WPS"}
FLOW_CODES = {"none"}
VISIBLE_TEXT = """() => {
  const out = [];
  const walk = (node) => {
    if (node.nodeType === 3) {
      const el = node.parentElement;
      if (!el || !node.textContent.trim()) return;
      if (getComputedStyle(el).fontFamily.includes("Material")) return;  // an icon's ligature
      if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) return;
      const box = el.getBoundingClientRect();
      if (box.width < 2 || box.height < 2 || box.right < 0 || box.bottom < 0) return;
      out.push(node.textContent);
    } else if (node.nodeType === 1 && !["SCRIPT", "STYLE", "NOSCRIPT"].includes(node.tagName)) {
      node.childNodes.forEach(walk);
    }
  };
  walk(document.body);
  document.querySelectorAll("input[placeholder], textarea[placeholder]").forEach((el) => {
    if (el.checkVisibility() && !el.value) out.push(el.placeholder);
  });
  return out;
}"""


def _codes() -> set[str]:
    columns = all_columns()
    names = set(columns) | {c for cols in columns.values() for c in cols} | set(METRICS)
    return names | {f"{n}.csv" for n in columns} | {"tasks.md"}


def untranslated(texts: list[str], codes: set[str]) -> list[str]:
    """The visible ASCII words of ``texts`` that are not a code, unit, abbreviation or name.

    >>> untranslated(["上传 Upload", "计划ID C01 · ctr", "A. 以上", "10MB per file"], {"ctr"})
    ['Upload', 'per', 'file']
    """
    bad = []
    for text in texts:
        for word in re.findall(r"[A-Za-z][A-Za-z0-9_.\-]*[A-Za-z0-9]|[A-Za-z]", text):
            if (len(word) == 1 or re.search(r"\d", word) or word.upper() == word or word in codes
                    or word in NAMES or word in FLOW_CODES):
                continue
            bad.append(word)
    return bad


def _words(page) -> list[str]:  # noqa: ANN001 - a Playwright page
    page.wait_for_timeout(800)  # let the last rerun settle
    return untranslated(page.evaluate(VISIBLE_TEXT), _codes())


def _exam(data_dir: Path) -> str:
    store = Store(f"sqlite:///{data_dir / 'simulator.db'}")
    try:
        return exam_admin.create_exam(str(SCENARIOS / "app-mixed.yaml"), minutes=100, store=store).code
    finally:
        store.dispose()


def test_every_page_in_zh_has_no_untranslated_words(page, app_url, app_data_dir):
    found: dict[str, list[str]] = {}
    page.goto(f"{app_url}/?scenario=app-5a&trainee=ZH-1")  # the 5A form: grids and stage names
    page.get_by_text("当前学员").wait_for()
    found["app-5a tasks"] = _words(page)
    page.goto(f"{app_url}/?scenario=app-mixed&trainee=ZH-1")  # numbers, counts, an upload, choices, text
    page.get_by_text("当前学员").wait_for()
    found["app-mixed tasks"] = _words(page)
    page.get_by_text("数据浏览与下载").first.click()
    ticks = page.locator("[data-testid=stPlotlyChart] .xtick text")
    ticks.first.wait_for()
    found["app-mixed data"] = _words(page)
    dates = ticks.all_text_contents()
    assert dates and all(re.fullmatch(r"\d{1,2}月\d{1,2}日", x) for x in dates), dates  # not "Oct 2"
    page.get_by_text("我的进度").first.click()
    page.get_by_text(t("ui.progress.total", "zh")).first.wait_for()
    found["app-mixed progress"] = _words(page)
    page.goto(f"{app_url}/exam")
    page.get_by_role("heading", name="考试").first.wait_for()
    found["exam join"] = _words(page)
    page.get_by_label("考试码").fill(_exam(app_data_dir))
    page.get_by_label("学号").fill("ZH-2")
    page.get_by_role("button", name="进入考试").click()
    page.get_by_text(re.compile(r"剩余时间 \d")).first.wait_for()
    found["exam tasks"] = _words(page)
    page.goto(f"{app_url}/instructor")
    page.get_by_role("heading", name="教师").first.wait_for()
    found["instructor"] = _words(page)
    assert {where: words for where, words in found.items() if words} == {}


def test_every_instructor_section_in_zh_has_no_untranslated_words(page, app_url, app_data_dir):
    """Behind the login: each section of the workspace, with an exam of the class to look at."""
    _exam(app_data_dir)
    page.goto(f"{app_url}/instructor")
    page.get_by_role("heading", name="教师").first.wait_for()
    page.locator("input[type=password]").first.wait_for()
    new = page.get_by_label(t("instructor.auth.new_password", "zh"))
    if new.count():  # the first visit sets the password; a later one logs in
        new.fill("zh-words-teacher-1")
        page.get_by_label(t("instructor.auth.repeat_password", "zh")).fill("zh-words-teacher-1")
        page.get_by_role("button", name=t("instructor.auth.setup", "zh")).click()
    else:
        page.get_by_label(t("instructor.auth.password", "zh")).fill("zh-words-teacher-1")
        page.get_by_role("button", name=t("instructor.auth.login", "zh")).click()
    page.get_by_role("button", name=t("instructor.auth.logout", "zh")).first.wait_for()
    found: dict[str, list[str]] = {}
    yaml_keys = {"id", "zh", "en", "my-scenario"}  # the scenario editor's placeholder is a YAML file's first lines
    for section in ("author", "exams", "monitor", "results", "grading", "regrade"):
        label = t(f"instructor.section.{section}", "zh")  # a tab of the segmented control (the sidebar has a 考试 too)
        page.get_by_test_id("stMain").get_by_text(label, exact=True).filter(visible=True).first.click()
        page.wait_for_timeout(1500)
        found[section] = [w for w in _words(page) if section != "author" or w not in yaml_keys]
    assert {where: words for where, words in found.items() if words} == {}

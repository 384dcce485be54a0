"""Makes ``docs/screenshot-practice.png``: the practice page in Chinese after one checked answer.

Usage: ``python tools/screenshot.py [--scenario ID] [--out PATH]``. Needs Debian's Chromium and a CJK
font (``apt-get install -y chromium fonts-noto-cjk``), else Chinese renders as empty boxes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from appserver import ROOT, launch_chromium, running_app  # noqa: E402

WIDTH, HEIGHT, SHOT_HEIGHT = 1400, 1000, 1500


def default_scenario() -> str:
    """The first shipped practice scenario (as the picker orders them)."""
    from simulator.app.ui.catalog import practice_entries

    entries = practice_entries()
    if not entries:
        raise SystemExit("no shipped practice scenario to show")
    return entries[0].id


def shoot(url: str, scenario: str, out: Path) -> None:
    """Identifies as a sample trainee, checks a first (wrong) answer and saves the page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(locale="zh-CN", viewport={"width": WIDTH, "height": HEIGHT})
        page.set_default_timeout(60_000)
        page.goto(f"{url}/?scenario={scenario}&lang=zh")
        page.get_by_label("学号").fill("2024001")
        page.get_by_label("姓名(选填)").fill("李雷")
        page.get_by_role("button", name="开始练习").click()
        page.get_by_text("当前学员").wait_for()
        first_answer = page.locator("[class*='st-key-practice-ans-'] input[type=text]").first
        first_answer.fill("12")
        first_answer.press("Enter")
        page.locator("[class*='st-key-practice-check-']").first.locator("button").click()
        page.get_by_text("得分").first.wait_for()
        # Streamlit scrolls inside its main block, so a tall window shows more than a full-page shot.
        page.set_viewport_size({"width": WIDTH, "height": SHOT_HEIGHT})
        page.get_by_role("heading", name="练习").first.scroll_into_view_if_needed()
        page.wait_for_timeout(1500)  # let the layout, fonts and icons settle
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out))
        browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", help="scenario id (default: the first shipped practice scenario)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot-practice.png")
    args = parser.parse_args(argv)
    scenario = args.scenario or default_scenario()
    with tempfile.TemporaryDirectory() as data, running_app({"SIMULATOR_DATA_DIR": data}) as url:
        shoot(url, scenario, args.out)
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

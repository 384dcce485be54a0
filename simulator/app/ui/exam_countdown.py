"""The exam countdown, ticking in the browser from the deadline the server fixed.

An idle exam page costs the server nothing: the page's own JavaScript redraws the time left every
second. The server sends the deadline and its own current time on every real rerun (a page load, a
save, a hand-in), and the browser counts from that offset, so the browser's clock is never trusted
for anything but the display. When the count reaches zero the component asks for one rerun of the
page; the server then finds the attempt timed out and locks the inputs. Late saves are refused by the
server (:func:`simulator.service.exams.save_answer`) whatever the page shows.
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from simulator.app.ui import exam_clock, session
from simulator.core.i18n import t

WARN_SECONDS = 10 * 60
"""Under this much time left the countdown turns red."""

_JS = """
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const box = parentElement.querySelector(".countdown");
  if (parentElement.__countdownTimer) clearInterval(parentElement.__countdownTimer);
  const offset = data.server_now_ms - Date.now();   // server time = browser time + offset
  let asked = false;
  const pad = (n) => String(n).padStart(2, "0");
  const text = (secs) => {
    const total = Math.max(0, Math.floor(secs));
    const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
  };
  const tick = () => {
    const left = (data.deadline_ms - (Date.now() + offset)) / 1000;
    box.textContent = data.label.replace("{left}", text(left));
    box.classList.toggle("warn", left <= data.warn_seconds);
    if (left <= 0 && !asked) {
      asked = true;
      clearInterval(parentElement.__countdownTimer);
      setTriggerValue("expired", true);
    }
  };
  box.classList.toggle("small", Boolean(data.small));
  tick();
  parentElement.__countdownTimer = setInterval(tick, 250);
  return () => clearInterval(parentElement.__countdownTimer);
}
"""

_CSS = """
.countdown { font-size: 1.75rem; font-weight: 600; color: #1668dc; line-height: 1.4;
             font-variant-numeric: tabular-nums; }
.countdown.small { font-size: 1rem; }
.countdown.warn { color: #d4380d; }
"""

_component = st.components.v2.component(
    "simulator.exam_countdown", html='<div class="countdown" role="timer" aria-live="off"></div>',
    css=_CSS, js=_JS,
)


def countdown_data(deadline: datetime, lang: str, now: datetime, small: bool = False) -> dict[str, object]:
    """What the browser needs to count: deadline and server time in epoch ms, the label, the warn limit.

    >>> from datetime import UTC, datetime, timedelta
    >>> t0 = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
    >>> d = countdown_data(t0 + timedelta(minutes=5), "en", t0)
    >>> d["deadline_ms"] - d["server_now_ms"], d["label"]
    (300000, 'Time left {left}')
    """
    return {
        "deadline_ms": int(deadline.timestamp() * 1000),
        "server_now_ms": int(now.timestamp() * 1000),
        "label": t("exam.page.time_left", lang, left="{left}"),
        "warn_seconds": WARN_SECONDS,
        "small": small,
    }


def countdown(deadline: datetime, lang: str) -> float:
    """Mounts the countdown on the page and in the sidebar; returns the seconds left now (server clock).

    At zero the browser triggers a rerun of the whole page (not of a fragment), which locks it.
    """
    now = exam_clock.now()
    _component(key=session.key("exam", "countdown"), data=countdown_data(deadline, lang, now),
               on_expired_change=_expired, height="content")
    with st.sidebar:
        _component(key=session.key("exam", "countdown_side"), data=countdown_data(deadline, lang, now, small=True),
                   on_expired_change=_expired, height="content")
    return (deadline - now).total_seconds()


def _expired() -> None:
    """The browser's count reached zero; the rerun this causes asks the server for the true status."""

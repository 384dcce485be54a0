"""正在保存… in the browser from the moment an answer is committed until the server acknowledges it.

When the server is busy, a save can wait in line. The page must not look saved meanwhile, nor look
as if nothing happened: this component (mounted once per exam page) marks a task's status line
正在保存… as soon as the trainee commits an input there (Enter, leaving the field, a click on an
option), and clears the mark only when the server has re-drawn that line after the save
(Streamlit flips the line's ``data-stale`` attribute back). Until then the typed answer stays in the
input; the card saves whatever differs from the last acknowledged answer on its next run, and when a
save stays unacknowledged for :data:`RESEND_SECONDS` (Streamlit drops a fragment run it no longer
knows, e.g. right after a reconnect) the page asks for one full run, which sends it again (see
:func:`simulator.app.ui.exam_task.task_card`).
"""

from __future__ import annotations

import streamlit as st

from simulator.app.ui import session
from simulator.core.i18n import t

STATUS_PREFIX = "exam.status."
"""Key prefix of each card's status-line container (``exam.status.<code>.<trainee>.<task>``)."""

RESEND_SECONDS = 6
"""After this long without an acknowledgement the page asks for one full run, which saves the answer again."""

_JS = f"const RESEND_MS = {RESEND_SECONDS * 1000};\n" + """
export default function (component) {
  const label = component.data.label;
  const css = `
    [class*="st-key-exam-status-"].sim-saving [data-testid="stMarkdownContainer"],
    [class*="st-key-exam-status-"] [data-stale="true"] [data-testid="stMarkdownContainer"] { display: none; }
    [class*="st-key-exam-status-"].sim-saving::after,
    [class*="st-key-exam-status-"]:not(.sim-saving) [data-stale="true"]::after {
      content: ${JSON.stringify(label)}; color: #ad6800; font-size: 0.9rem; }`;
  let style = document.getElementById("sim-saving-style");
  if (!style) {
    style = document.createElement("style");
    style.id = "sim-saving-style";
    document.head.appendChild(style);
  }
  style.textContent = css;
  window.__simSavingTrigger = component.setTriggerValue;  // the newest mount's (after a reconnect too)
  if (window.__simSaving) return;
  window.__simSaving = true;
  let lastResend = 0;
  setInterval(() => {  // a save still unacknowledged after a while: ask for one full run, which resends it
    const now = Date.now();
    const stuck = [...document.querySelectorAll('[class*="st-key-exam-status-"].sim-saving')]
      .some((el) => now - (el.__simSince || now) > RESEND_MS);
    if (stuck && now - lastResend > RESEND_MS && window.__simSavingTrigger) {
      lastResend = now;
      window.__simSavingTrigger("resend", now);
    }
  }, 1000);
  const statusOf = (el) => {
    const card = el.closest && el.closest('[class*="st-key-exam-card-"]');
    return card ? card.querySelector('[class*="st-key-exam-status-"]') : null;
  };
  const mark = (event) => {
    const status = statusOf(event.target);
    if (status) {
      if (!status.classList.contains("sim-saving")) status.__simSince = Date.now();
      status.classList.add("sim-saving");
    }
  };
  document.addEventListener("change", mark, true);
  document.addEventListener("keydown", (e) => { if (e.key === "Enter") mark(e); }, true);
  document.addEventListener("click", (e) => {
    if (e.target.closest && e.target.closest("button")) mark(e);  // 重新保存; options fire "change"
  }, true);
  new MutationObserver((changes) => {
    for (const change of changes) {
      const el = change.target;
      if (el.getAttribute("data-stale") !== "false" || change.oldValue !== "true") continue;
      const status = el.closest('[class*="st-key-exam-status-"]');
      if (status) status.classList.remove("sim-saving");
    }
  }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ["data-stale"],
                              attributeOldValue: true });
}
"""

_component = st.components.v2.component("simulator.exam_saving", js=_JS, isolate_styles=False)


def indicator(lang: str) -> None:
    """Mounts the 正在保存… marker for every task card of the page (one instance, nothing drawn)."""
    _component(key=session.key("exam", "saving"), data={"label": t("exam.page.saving", lang)}, height=0,
               on_resend_change=_resend)


def _resend() -> None:
    """The browser saw a save go unacknowledged; this full run lets every card save what differs."""


def status_key(card_key: str) -> str:
    """The status container's key for a card key: ``exam.card.X.Y.t1`` → ``exam.status.X.Y.t1``.

    >>> status_key("exam.card.ABC.T-1.t1")
    'exam.status.ABC.T-1.t1'
    """
    return STATUS_PREFIX + card_key.removeprefix("exam.card.")


__all__ = ["indicator", "status_key"]

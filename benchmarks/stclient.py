"""A headless Streamlit client: one browser tab spoken over the app's own WebSocket protocol.

It does what the Streamlit frontend does for a trainee, without a browser: connects to
``/_stcore/stream``, asks for a script run of a page (with the address bar's query string), keeps the
widgets' states the way the frontend's widget manager does, and sends a changed widget as the frontend
would — with the id of the ``st.fragment`` the widget lives in, so only that fragment reruns. Messages
are Streamlit's own protobuf classes (``streamlit.proto``), so the client speaks exactly the protocol of
the installed Streamlit. Used by ``benchmarks/load.py`` and the replica test.

>>> Tab.widget_matches("$$ID-1a2b-exam.ans.ABC.T-1.t1.value", "exam.ans.ABC.T-1.t1.value")
True
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from tornado.httpclient import HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
WIDGET_KINDS = ("text_input", "text_area", "radio", "button", "selectbox", "multiselect", "segmented_control")


@dataclass
class Run:
    """What one script run (a page or a fragment) sent back."""

    seconds: float
    """From the request to the run's ``script_finished``."""
    texts: list[str] = field(default_factory=list)
    """Markdown, captions and alert bodies of the run, in order."""
    errors: list[str] = field(default_factory=list)
    """Bodies of ``st.error`` / ``st.exception`` elements (a refused or failed save, a traceback)."""
    exceptions: list[str] = field(default_factory=list)
    """Messages of ``st.exception`` elements (a traceback reaching the page)."""
    status: int = -1
    """The ``script_finished`` status (``ForwardMsg.FINISHED_*``); -1 when it never came."""


@dataclass
class Widget:
    """A widget the page drew: its id, kind, the fragment it belongs to, and its current value."""

    id: str
    kind: str
    fragment_id: str
    value: object = None
    disabled: bool = False
    submits_form: str = ""
    """For a form's submit button: the form's id."""


class Tab:
    """One open page of the app (one Streamlit session)."""

    def __init__(self, base_url: str, timezone: str = "Asia/Shanghai") -> None:
        self.ws_url = base_url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        self.timezone = timezone
        self.conn: WebSocketClientConnection | None = None
        self.widgets: dict[str, Widget] = {}
        self.states: dict[str, WidgetState] = {}
        self.page = ""
        self.query = ""
        self.cookie = ""
        """Cookies the server (or a sticky load balancer) set, sent again like a browser does."""
        self.auto_reruns: dict[str, float] = {}
        """Fragment id → seconds: the ``st.fragment(run_every=…)`` timers the page asked the browser to run."""
        self.auto_reruns_sent = 0
        self.last_open: Run | None = None
        """The run of the last :meth:`open`."""

    @staticmethod
    def widget_matches(widget_id: str, user_key: str) -> bool:
        """Streamlit ends the id of a keyed widget with ``-<key>``."""
        return widget_id.endswith("-" + user_key)

    async def open(self, page: str, query: str = "", timeout: float = 120.0) -> Run:
        """Connects and runs ``page`` with ``query`` (as typing the address and pressing Enter)."""
        self.page, self.query = page, query
        started = time.perf_counter()
        request = HTTPRequest(self.ws_url, headers={"Cookie": self.cookie} if self.cookie else {})
        self.conn = await asyncio.wait_for(websocket_connect(request, subprotocols=["streamlit"]), timeout)
        self._keep_cookies(self.conn.headers.get_list("Set-Cookie"))
        self.widgets.clear()
        self.states.clear()
        self.last_open = await self._rerun(started=started, timeout=timeout)
        return self.last_open

    def _keep_cookies(self, set_cookies: list[str]) -> None:
        jar = dict(part.split("=", 1) for part in self.cookie.split("; ") if "=" in part)
        for line in set_cookies:
            name, _, value = line.split(";", 1)[0].partition("=")
            jar[name.strip()] = value.strip()
        self.cookie = "; ".join(f"{k}={v}" for k, v in jar.items())

    async def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def find(self, user_key: str) -> Widget | None:
        """The widget whose key is ``user_key`` (or the submit button of the form keyed so)."""
        return next((w for w in self.widgets.values() if self.widget_matches(w.id, user_key)
                     or (w.submits_form and w.submits_form.endswith(user_key))), None)

    async def set_text(self, user_key: str, value: str, timeout: float = 120.0) -> Run:
        """Types ``value`` into a text input/area and leaves it (the frontend's commit on Enter/blur)."""
        widget = self.find(user_key)
        if widget is None:
            raise KeyError(f"no widget with key {user_key!r} on the page")
        self.states[widget.id] = WidgetState(id=widget.id, string_value=value)
        return await self._rerun(fragment_id=widget.fragment_id, timeout=timeout)

    def fill(self, user_key: str, value: str) -> None:
        """Types into a text input inside a form: sent with the form's submit, no run of its own."""
        widget = self.find(user_key)
        if widget is None:
            raise KeyError(f"no widget with key {user_key!r} on the page")
        self.states[widget.id] = WidgetState(id=widget.id, string_value=value)

    async def click(self, user_key: str, timeout: float = 120.0) -> Run:
        """Presses a button (a form's submit button too): a trigger sent with this run only."""
        widget = self.find(user_key)
        if widget is None:
            raise KeyError(f"no widget with key {user_key!r} on the page")
        self.states[widget.id] = WidgetState(id=widget.id, trigger_value=True)
        try:
            return await self._rerun(fragment_id=widget.fragment_id, timeout=timeout)
        finally:
            self.states.pop(widget.id, None)

    async def _rerun(self, fragment_id: str = "", started: float | None = None, timeout: float = 120.0) -> Run:
        assert self.conn is not None, "open() first"
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string, state.page_name, state.fragment_id = self.query, self.page, fragment_id
        state.context_info.timezone = self.timezone
        state.context_info.locale = "zh-CN"
        state.widget_states.widgets.extend(self.states.values())
        started = time.perf_counter() if started is None else started
        await self.conn.write_message(msg.SerializeToString(), binary=True)
        run = Run(0.0)
        try:
            await asyncio.wait_for(self._collect(run), timeout)
        except TimeoutError:
            run.status = -1
        run.seconds = time.perf_counter() - started
        return run

    async def _collect(self, run: Run) -> None:
        """Reads messages until this run's ``script_finished`` (an early-for-rerun end keeps reading)."""
        assert self.conn is not None
        while True:
            raw = await self.conn.read_message()
            if raw is None:
                raise ConnectionError("the server closed the connection")
            if isinstance(raw, str):
                continue
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "delta":
                self._delta(fwd, run)
            elif kind == "script_finished" and fwd.script_finished in FINISHED:
                run.status = fwd.script_finished
                return
            else:
                self._timers(fwd, kind)

    def _timers(self, fwd: ForwardMsg, kind: str | None) -> None:
        if kind == "auto_rerun":
            self.auto_reruns[fwd.auto_rerun.fragment_id] = fwd.auto_rerun.interval
        elif kind == "stop_auto_rerun":
            self.auto_reruns.pop(fwd.stop_auto_rerun.fragment_id, None)

    async def idle(self, seconds: float) -> None:
        """Leaves the page open for ``seconds`` as a browser does: only its ``run_every`` timers fire."""
        assert self.conn is not None, "open() first"
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        due = {fid: loop.time() + every for fid, every in self.auto_reruns.items()}
        while (now := loop.time()) < end:
            for fid in [f for f, when in due.items() if when <= now]:
                msg = BackMsg()
                msg.rerun_script.query_string, msg.rerun_script.page_name = self.query, self.page
                msg.rerun_script.fragment_id, msg.rerun_script.is_auto_rerun = fid, True
                msg.rerun_script.widget_states.widgets.extend(self.states.values())
                await self.conn.write_message(msg.SerializeToString(), binary=True)
                self.auto_reruns_sent += 1
                due[fid] = now + self.auto_reruns.get(fid, 1.0)
            wait = min([end, *due.values()]) - loop.time()
            try:
                raw = await asyncio.wait_for(self.conn.read_message(), max(wait, 0.001))
            except TimeoutError:
                continue
            if raw is None:
                raise ConnectionError("the server closed the connection")
            if isinstance(raw, bytes):
                fwd = ForwardMsg()
                fwd.ParseFromString(raw)
                self._timers(fwd, fwd.WhichOneof("type"))

    def _delta(self, fwd: ForwardMsg, run: Run) -> None:
        delta = fwd.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind in ("markdown",):
            run.texts.append(element.markdown.body)
        elif kind in ("alert",):
            run.texts.append(element.alert.body)
            if element.alert.format == element.alert.ERROR:
                run.errors.append(element.alert.body)
        elif kind == "exception":
            run.errors.append(element.exception.message)
            run.exceptions.append(element.exception.message)
        elif kind in WIDGET_KINDS:
            proto = getattr(element, kind)
            fields = {f.name for f, _ in proto.ListFields()}
            value = getattr(proto, "value", None) if "value" in fields else None
            submits = proto.form_id if kind == "button" and proto.is_form_submitter else ""
            self.widgets[proto.id] = Widget(proto.id, kind, delta.fragment_id, value, bool(proto.disabled), submits)

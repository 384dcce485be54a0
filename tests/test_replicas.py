"""Two app replicas on one PostgreSQL behind nginx (sticky cookie, WebSocket upgrade), one killed mid-exam.

Four trainees in real Chromium contexts, two on each replica, join one exam through the proxy and save an
answer. Then one replica gets SIGKILL: its trainees' pages reconnect through nginx to the other replica,
which resumes their attempts from the shared database (the saved answer is back in the input), and they
answer the next task there. Every answer a page acknowledged with 已保存 is in the store.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from helpers_pg import pg_server, pg_url  # noqa: F401  (fixtures)
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from simulator.service import exam_admin, exams
from simulator.service.store import Store

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from appserver import CHROMIUM, free_port, launch_chromium, wait_ready  # noqa: E402
from nginx import ROUTE_COOKIE, running_nginx  # noqa: E402

pytestmark = [pytest.mark.postgres, pytest.mark.browser]
SCENARIO = ROOT / "tests" / "fixtures" / "scenarios" / "restart_exam.yaml"
FINISHED = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)
SAVED = re.compile(r"已保存 \d\d:\d\d:\d\d")


def _replica(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"]
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return proc, f"127.0.0.1:{port}"


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def _upstream(url: str, route: str) -> str:
    """The replica nginx sends a browser carrying ``route`` in its sticky cookie to."""
    request = urllib.request.Request(f"{url}/_stcore/health", headers={"Cookie": f"{ROUTE_COOKIE}={route}"})
    with urllib.request.urlopen(request, timeout=10) as resp:
        # after a failure nginx lists every replica it tried ("dead:port, survivor:port"): the last one answered
        return resp.headers["X-Simulator-Upstream"].split(",")[-1].strip()


def _routes(url: str, replicas: list[str], per_replica: int) -> dict[str, list[str]]:
    """Cookie values that nginx sends to each replica (always the same one: that is the stickiness)."""
    found: dict[str, list[str]] = {r: [] for r in replicas}
    for i in range(200):
        route = f"route-{i}"
        where = _upstream(url, route)
        assert _upstream(url, route) == where
        if len(found[where]) < per_replica:
            found[where].append(route)
        if all(len(v) == per_replica for v in found.values()):
            return found
    raise AssertionError(f"nginx does not spread cookies over both replicas: {found}")


def _stored(database_url: str, code: str, trainee: str) -> dict[str, object]:
    store = Store(database_url)
    try:
        return {k: a.value for k, a in exams.saved_answers(code, trainee, store=store).items()}
    finally:
        store.dispose()


def _streams(page) -> list[list[int]]:  # noqa: ANN001 - a Playwright page
    """The page's Streamlit WebSockets in order (a reconnect adds one), each with its finished script runs.

    A page that reconnected to another replica has a new session there; an edit sent before that
    session's first run registered the task cards is dropped by Streamlit, as a browser's would be.
    """
    sockets: list[list[int]] = []

    def on_socket(ws) -> None:  # noqa: ANN001
        if not ws.url.endswith("/_stcore/stream"):
            return
        runs: list[int] = []
        sockets.append(runs)

        def on_frame(payload) -> None:  # noqa: ANN001
            if isinstance(payload, bytes | bytearray):
                msg = ForwardMsg()
                msg.ParseFromString(bytes(payload))
                if msg.WhichOneof("type") == "script_finished" and msg.script_finished in FINISHED:
                    runs.append(msg.script_finished)

        ws.on("framereceived", on_frame)

    page.on("websocket", on_socket)
    return sockets


def test_a_killed_replica_loses_no_acknowledged_answer(pg_url, tmp_path):  # noqa: F811 - fixture
    from playwright.sync_api import expect, sync_playwright

    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk")
    store = Store(pg_url)
    try:
        code = exam_admin.create_exam(str(SCENARIO), minutes=100, store=store).code
    finally:
        store.dispose()
    env = {**os.environ, "SIMULATOR_DATABASE_URL": pg_url, "SIMULATOR_DATA_DIR": str(tmp_path),
           "STREAMLIT_SERVER_COOKIE_SECRET": "the-same-secret-on-every-replica"}
    procs = [_replica(env, tmp_path / f"replica{i}.log") for i in range(2)]
    try:
        for proc, address in procs:
            wait_ready(f"http://{address}", proc, timeout=120)
        replicas = [address for _, address in procs]
        with running_nginx(replicas, free_port()) as url, sync_playwright() as p:
            routes = _routes(url, replicas, per_replica=2)
            doomed, survivor = procs[0][0], replicas[1]
            browser = launch_chromium(p)
            sitting: list[tuple[str, str, object, list[list[int]]]] = []  # trainee, replica, page, sockets
            for replica in replicas:
                for route in routes[replica]:
                    context = browser.new_context(locale="zh-CN")
                    context.set_default_timeout(60_000)
                    context.add_cookies([{"name": ROUTE_COOKIE, "value": route, "url": url}])
                    page = context.new_page()
                    sitting.append((f"R-{len(sitting) + 1:02d}", replica, page, _streams(page)))
            for who, _, page, _ in sitting:
                page.goto(f"{url}/exam")
                page.get_by_label("考试码").fill(code)
                page.get_by_label("学号").fill(who)
                page.get_by_role("button", name="进入考试").click()
            for who, _, page, _ in sitting:
                box = page.get_by_label("你的答案")
                box.fill(f"{who[-1]}.5%")
                box.press("Enter")
            for _, _, page, _ in sitting:
                page.get_by_text(SAVED).first.wait_for()

            _kill(doomed)  # SIGKILL: no goodbye to the pages or to nginx
            for who, replica, page, sockets in sitting:
                if replica != survivor:  # the page reconnects through nginx, onto the survivor
                    for _ in range(240):
                        if len(sockets) >= 2 and sockets[-1]:
                            break
                        page.wait_for_timeout(500)  # lets Playwright deliver the page's events
                    expect(page.get_by_label("你的答案")).to_have_value(f"{who[-1]}.5%", timeout=60_000)
                    expect(page.get_by_label("你的回答")).to_be_editable(timeout=60_000)
            for who, _, page, _ in sitting:
                box = page.get_by_label("你的回答")
                box.fill(f"{who}:提高出价,更换素材。")
                box.press("Tab")
            for _, _, page, _ in sitting:
                page.get_by_text(SAVED).nth(1).wait_for()
            assert _upstream(url, routes[replicas[0]][0]) == survivor  # the dead replica's browsers moved
            for who, _, page, _ in sitting:
                assert _stored(pg_url, code, who) == {"t1": f"{who[-1]}.5%", "t2": f"{who}:提高出价,更换素材。"}
                assert page.get_by_text("Traceback").count() == 0
            assert [len(s) >= 2 for _, r, _, s in sitting] == [r != survivor for _, r, _, _ in sitting]
            browser.close()
    finally:
        for proc, _ in procs:
            _kill(proc)

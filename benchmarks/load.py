"""Class-scale load benchmark: N trainees in one exam (or on the practice page), no browser needed.

``python benchmarks/load.py --trainees 40 --json`` starts its own app (``streamlit run app.py`` with the
flags of ``simulator serve``, a throwaway SQLite store), creates an exam of a shipped scenario, and opens
N sessions over Streamlit's WebSocket protocol (:mod:`stclient`). Each trainee opens the exam page
with ``?exam=CODE&trainee=ID`` (as the link a join leaves in the address bar), types and saves answers
one after another as a trainee does (each save waits for its 已保存), reloads the page and checks that
the page restored every acknowledged answer. Then all N pages stay open and idle while the server's CPU
is read from ``/proc``. It prints p50/p95/max of page renders and of save acknowledgements, errors,
server CPU seconds and peak RSS, and ``lost``: acknowledged answers the store does not hold (read from
the database after the run) or the reloaded page did not show.

``--page practice`` does the same on the practice page (enter id and name, type an answer, 检查答案).
``--replicas 2`` runs two app processes on a throwaway PostgreSQL behind HAProxy (sticky cookie,
WebSocket upgrade); ``--kill-replica`` SIGKILLs one replica in the middle of the answering, and its
trainees reload through the proxy onto the other one, as a browser would.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import services  # noqa: E402
from stclient import Tab  # noqa: E402
from tornado.httpclient import HTTPClientError  # noqa: E402
from tornado.websocket import WebSocketClosedError  # noqa: E402

EXAM_SCENARIO = "exam-l4-traffic"
PRACTICE_SCENARIO = "l4-traffic-ads"
SAVED_MARK = "已保存"
RESULT_MARK = "得分"
"""In the headline of every checked answer (``ui.result.headline``)."""


@dataclass
class Tally:
    """Everything measured, shared by the trainees of one run."""

    render: list[float] = field(default_factory=list)
    save: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    reconnects: int = 0
    acked: dict[tuple[str, str, str], str] = field(default_factory=dict)
    """(trainee, task, input) → the last text whose save the page acknowledged."""
    shown_lost: int = 0
    """Acknowledged answers a reloaded page did not show."""


def answers_for(trainee: str, rng: random.Random) -> list[tuple[str, str, str]]:
    """(task, widget part, text) a trainee types: five numbers, a data-quality count, a written answer."""
    plan = [(f"t{i}", "value", f"{rng.uniform(0.5, 9.5):.2f}%") for i in range(1, 6)]
    plan.append(("t8", "field.duplicates", str(rng.randint(1, 30))))
    plan.append(("t12", "text", f"{trainee}:提高优质创意的预算,暂停点击率最低的计划,并复查重复订单。"))
    return plan


def _ack(run, tally: Tally, what: str) -> bool:  # noqa: ANN001 - a stclient.Run
    if run.status < 0:
        tally.errors.append(f"{what}: no answer within the timeout")
        return False
    if run.errors:
        tally.errors.append(f"{what}: {run.errors[0][:120]}")
        return False
    return True


async def exam_trainee(url: str, code: str, trainee: str, tally: Tally, think: float, rng: random.Random,
                       killed: threading.Event | None = None) -> None:
    """One trainee: open the exam, save each answer (waiting for 已保存), reload and compare."""
    tab, query = Tab(url), f"exam={code}&trainee={trainee}"
    run = await tab.open("exam", query)
    if _ack(run, tally, f"{trainee} open"):
        tally.render.append(run.seconds)
    for task, part, text in answers_for(trainee, rng):
        await asyncio.sleep(rng.uniform(0.5, 1.5) * think)
        key = f"exam.ans.{code}.{trainee}.{task}.{part}"
        try:
            run = await tab.set_text(key, text)
        except (ConnectionError, OSError, KeyError, WebSocketClosedError):
            if killed is None or not killed.is_set():
                raise
            tally.reconnects += 1  # the replica died under this page: the browser reloads
            tab = await reopen(tab, url, query)
            run = await tab.set_text(key, text)
        if _ack(run, tally, f"{trainee} save {task}") and any(SAVED_MARK in s for s in run.texts):
            tally.save.append(run.seconds)
            tally.acked[(trainee, task, part)] = text
        else:
            tally.errors.append(f"{trainee} save {task}: no {SAVED_MARK}")
    await tab.close()
    again = Tab(url)
    again.cookie = tab.cookie
    try:
        run = await again.open("exam", query)
    except (ConnectionError, OSError, HTTPClientError, WebSocketClosedError):
        if killed is None or not killed.is_set():
            raise
        tally.reconnects += 1  # the reload met the replica that died: the browser tries again
        again = await reopen(again, url, query)
        run = again.last_open
    if _ack(run, tally, f"{trainee} reload"):
        tally.render.append(run.seconds)
    for task, part, _ in answers_for(trainee, random.Random(0)):
        widget = again.find(f"exam.ans.{code}.{trainee}.{task}.{part}")
        wanted = tally.acked.get((trainee, task, part))
        if wanted is not None and (widget is None or widget.value != wanted):
            tally.shown_lost += 1
    tabs_open.append(again)


tabs_open: list[Tab] = []


async def reopen(tab: Tab, url: str, query: str, tries: int = 30) -> Tab:
    """A reload after the page's server died: retried until the proxy sends it to a live replica."""
    await tab.close()
    for attempt in range(tries):
        fresh = Tab(url)
        fresh.cookie = tab.cookie
        try:
            run = await fresh.open("exam", query, timeout=30)
            if run.status >= 0:
                fresh.last_open = run
                return fresh
        except (ConnectionError, OSError, HTTPClientError, WebSocketClosedError):
            pass
        await fresh.close()
        await asyncio.sleep(0.5 * (attempt + 1))
    raise ConnectionError("no replica answered the reload")


async def practice_trainee(url: str, trainee: str, tally: Tally, think: float, rng: random.Random) -> None:
    """One trainee on the practice page: identify, then type and check three answers."""
    tab, scenario = Tab(url), PRACTICE_SCENARIO
    run = await tab.open("practice", f"scenario={scenario}")
    if _ack(run, tally, f"{trainee} open"):
        tally.render.append(run.seconds)
    tab.fill("practice.who_id", trainee)
    tab.fill("practice.who_name", f"学员{trainee}")
    run = await tab.click("practice.who_form")
    if _ack(run, tally, f"{trainee} start"):
        tally.render.append(run.seconds)
    for task in ("t1", "t2", "t3"):
        await asyncio.sleep(rng.uniform(0.5, 1.5) * think)
        await tab.set_text(f"practice.ans.{scenario}.{task}.value", f"{rng.uniform(0.5, 9.5):.2f}%")
        run = await tab.click(f"practice.check.{scenario}.{task}")
        graded = any(RESULT_MARK in s for s in run.texts)  # a wrong answer's red box is a result too
        if run.status >= 0 and graded and not run.exceptions:
            tally.save.append(run.seconds)
        else:
            tally.errors.append(f"{trainee} check {task}: no result ({(run.exceptions or ['timeout'])[0][:80]})")
    tabs_open.append(tab)


async def warm_up(url: str, code: str) -> float:
    """The first page after the server starts imports the libraries; opened before the class arrives."""
    tab = Tab(url)
    run = await tab.open("exam", f"exam={code}&trainee=WARM-UP")
    await tab.close()
    return run.seconds


def summary(values: list[float]) -> dict[str, float | None]:
    """p50/p95/max in milliseconds (None when nothing was measured)."""
    if not values:
        return {"p50": None, "p95": None, "max": None, "n": 0}
    ms = sorted(v * 1000 for v in values)
    p95 = ms[0] if len(ms) == 1 else statistics.quantiles(ms, n=20, method="inclusive")[18]
    return {"p50": round(statistics.median(ms), 1), "p95": round(p95, 1), "max": round(ms[-1], 1), "n": len(ms)}


class Sampler:
    """Reads the servers' CPU seconds and RSS from /proc, RSS every 0.5 s (its peak is reported)."""

    def __init__(self, pids: list[int]) -> None:
        self.pids, self.peak_rss, self._stop = pids, 0.0, threading.Event()
        self._cpu: dict[int, float] = {}
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def cpu(self) -> float:
        """CPU seconds of all servers so far (a killed one keeps what it used before it died)."""
        for pid in self.pids:
            self._cpu[pid] = max(self._cpu.get(pid, 0.0), services.cpu_seconds(pid))
        return sum(self._cpu.values())

    def _loop(self) -> None:
        while not self._stop.wait(0.5):
            self.peak_rss = max(self.peak_rss, sum(services.rss_mib(p) for p in self.pids))

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def stored_answers(db_url: str, code: str, trainees: list[str]) -> dict[tuple[str, str], object]:
    """What the database holds after the run, read with a fresh engine."""
    from simulator.service import exams
    from simulator.service.store import Store

    store = Store(db_url)
    try:
        return {(tr, task): answer.value for tr in trainees
                for task, answer in exams.saved_answers(code, tr, store=store).items()}
    finally:
        store.dispose()


async def hold_class(args: argparse.Namespace, code: str, tally: Tally, sampler: Sampler) -> dict:
    """The long run: every open page saves its written answer again every ``--hold-every`` seconds."""
    cpu0, rss, started = sampler.cpu(), [], time.perf_counter()
    saves: list[float] = []

    async def keep_writing(tab: Tab, i: int) -> None:
        trainee = tab.query.rsplit("trainee=", 1)[-1]
        n = 0
        await asyncio.sleep(args.hold_every * i / max(1, len(tabs_open)))
        while time.perf_counter() - started < args.hold:
            n += 1
            text = f"{trainee} 第{n}稿:提高优质创意的预算,暂停点击率最低的计划。"
            run = await tab.set_text(f"exam.ans.{code}.{trainee}.t12.text", text)
            if run.status >= 0 and not run.errors and any(SAVED_MARK in x for x in run.texts):
                saves.append(run.seconds)
                tally.acked[(trainee, "t12", "text")] = text
            else:
                tally.errors.append(f"{trainee} hold save {n}")
            await tab.idle(args.hold_every)

    async def watch() -> None:
        while time.perf_counter() - started < args.hold:
            rss.append(round(sum(services.rss_mib(p) for p in sampler.pids), 1))
            await asyncio.sleep(min(60.0, args.hold / 10))

    await asyncio.gather(watch(), *(keep_writing(tab, i) for i, tab in enumerate(tabs_open)))
    seconds = time.perf_counter() - started
    cpu = sampler.cpu() - cpu0
    return {"seconds": round(seconds), "pages": len(tabs_open), "saves": summary(saves),
            "cpu_s": round(cpu, 1), "core_pct": round(100 * cpu / seconds, 2), "rss_mib_timeline": rss}


def stored_text(stored: dict[tuple[str, str], object], trainee: str, task: str, part: str) -> object:
    """The stored text of one input: the answer itself, or one field of a multi-field answer."""
    value = stored.get((trainee, task))
    return value.get(part.removeprefix("field.")) if isinstance(value, dict) else value


async def drive(args: argparse.Namespace, url: str, code: str, tally: Tally, sampler: Sampler,
                kill: callable | None) -> dict:  # type: ignore[valid-type]
    trainees = [f"L-{i:03d}" for i in range(1, args.trainees + 1)]
    killed = threading.Event()

    async def one(i: int, trainee: str) -> None:
        await asyncio.sleep(args.ramp * i / max(1, args.trainees))
        rng = random.Random(f"{args.seed}-{trainee}")
        try:
            if args.page == "exam":
                await exam_trainee(url, code, trainee, tally, args.think, rng, killed)
            else:
                await practice_trainee(url, trainee, tally, args.think, rng)
        except Exception as exc:  # noqa: BLE001 - counted, the run goes on
            tally.errors.append(f"{trainee}: {type(exc).__name__}: {exc}"[:200])

    async def killer() -> None:
        await asyncio.sleep(args.ramp + 3 * args.think)
        killed.set()
        kill()

    cpu0, started = sampler.cpu(), time.perf_counter()
    jobs = [one(i, tr) for i, tr in enumerate(trainees)] + ([killer()] if kill else [])
    await asyncio.gather(*jobs)
    busy = {"seconds": round(time.perf_counter() - started, 1), "cpu_s": round(sampler.cpu() - cpu0, 2)}
    await asyncio.sleep(2)  # let the last reruns settle before the idle window
    cpu1 = sampler.cpu()
    ended = await asyncio.gather(*(tab.idle(args.idle) for tab in tabs_open), return_exceptions=True)
    dropped = sum(isinstance(e, Exception) for e in ended)  # pages of a killed replica (a browser reconnects)
    idle_cpu = sampler.cpu() - cpu1
    hold = await hold_class(args, code, tally, sampler) if args.hold else None
    for tab in tabs_open:
        await tab.close()
    return {"trainees_list": trainees, "busy": busy, **({"hold": hold} if hold else {}),
            "idle": {"pages": len(tabs_open), "seconds": args.idle, "cpu_s": round(idle_cpu, 3),
                     "core_pct": round(100 * idle_cpu / max(args.idle, 1e-9), 2),
                     "timer_reruns": sum(tab.auto_reruns_sent for tab in tabs_open), "dropped": dropped}}


def run(args: argparse.Namespace) -> dict:
    """Starts the servers, drives the trainees, reads the store; returns the report."""
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="simulator-load-")))
        db_url = stack.enter_context(services.postgres()) if args.replicas > 1 else f"sqlite:///{folder}/simulator.db"
        env = {"SIMULATOR_DATA_DIR": str(folder), "SIMULATOR_DATABASE_URL": db_url,
               "STREAMLIT_SERVER_COOKIE_SECRET": "load-benchmark"}
        os.environ.update(env)
        from simulator.service import exam_admin
        from simulator.service.store import Store

        store = Store(db_url)
        code = exam_admin.create_exam(EXAM_SCENARIO, minutes=120, store=store).code
        store.dispose()
        apps = [services.start_app(env, folder / f"app{i}.log", args.post_script_gc, args.app_root)
                for i in range(args.replicas)]
        for app in apps:
            stack.callback(services.stop, app.proc)
        url = stack.enter_context(services.haproxy(apps, folder)) if args.replicas > 1 else apps[0].url
        kill = (lambda: os.killpg(apps[-1].proc.pid, signal.SIGKILL)) if args.kill_replica else None
        tally = Tally()
        cold = max(asyncio.run(warm_up(app.url, code)) for app in apps)  # each replica, before the class
        with Sampler([a.proc.pid for a in apps]) as sampler:
            rss_start = sum(services.rss_mib(a.proc.pid) for a in apps)
            phases = asyncio.run(drive(args, url, code, tally, sampler, kill))
        trainees = phases.pop("trainees_list")
        stored = stored_answers(db_url, code, trainees) if args.page == "exam" else {}
        lost_in_store = sum(1 for k, v in tally.acked.items() if stored_text(stored, *k) != v)
    return {
        "trainees": args.trainees, "page": args.page, "replicas": args.replicas,
        "database": "postgresql" if args.replicas > 1 else "sqlite", "post_script_gc": args.post_script_gc,
        "render_ms": summary(tally.render), "save_ms": summary(tally.save),
        "acknowledged": len(tally.acked) if args.page == "exam" else len(tally.save),
        "errors": len(tally.errors), "error_samples": tally.errors[:5], "reconnects": tally.reconnects,
        "lost": lost_in_store + tally.shown_lost, "lost_in_store": lost_in_store, "lost_on_page": tally.shown_lost,
        "server_cpu_s": phases["busy"]["cpu_s"], "server_rss_mib": round(sampler.peak_rss, 1),
        "server_rss_start_mib": round(rss_start, 1), "cold_render_ms": round(cold * 1000, 1), **phases,
    }


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trainees", type=int, default=10)
    p.add_argument("--page", choices=["exam", "practice"], default="exam")
    p.add_argument("--replicas", type=int, default=1, help="2+: PostgreSQL and HAProxy in front")
    p.add_argument("--kill-replica", action="store_true", help="SIGKILL one replica mid-run (with --replicas 2)")
    p.add_argument("--think", type=float, default=1.0, help="mean seconds between a trainee's actions")
    p.add_argument("--ramp", type=float, default=10.0, help="seconds over which the trainees arrive")
    p.add_argument("--idle", type=float, default=20.0, help="seconds the pages stay open idle at the end")
    p.add_argument("--hold", type=float, default=0.0,
                   help="then keep the class open this many seconds, each page saving every --hold-every s")
    p.add_argument("--hold-every", type=float, default=60.0)
    p.add_argument("--post-script-gc", action="store_true", help="Streamlit's default gc.collect(2) per run")
    p.add_argument("--seed", default="load")
    p.add_argument("--app-root", type=Path, default=services.ROOT,
                   help="checkout whose app.py to run (for before/after comparisons)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    if args.kill_replica and args.replicas < 2:
        p.error("--kill-replica needs --replicas 2 or more")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    report = run(args)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        for name, value in report.items():
            print(f"{name}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

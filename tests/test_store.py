"""The store on SQLite and PostgreSQL: schema versions, time zones, concurrency, crashes, several processes.

Tests taking ``db_url`` run twice: on an SQLite file and on a throwaway PostgreSQL server (``postgres``
marker; see ``helpers_pg.py``).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from helpers_exam import SCENARIO_YAML, T0, TASKS
from helpers_pg import db_url, pg_server, pg_url  # noqa: F401  (fixtures)
from sqlalchemy import func, select, text
from store_worker import Worker

from simulator.service import exam_admin, exams
from simulator.service import store as store_mod
from simulator.service.migrations import current_revision, head_revision
from simulator.service.scenario_source import list_scenario_versions, resolve_scenario, save_scenario_version
from simulator.service.store import Answer, AnswerHistory, Attempt, Store, Trainee

MIN = timedelta(minutes=1)


@pytest.fixture
def store(db_url):  # noqa: F811
    store = Store(db_url)
    yield store
    store.dispose()


def new_exam(store, now=T0, **kwargs):
    return exam_admin.create_exam(SCENARIO_YAML, tasks=TASKS, now=now, store=store, **kwargs).code


def test_schema_is_at_head_and_matches_the_models(store):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    assert current_revision(store.engine) == head_revision() == "0003_practice_last_answer"
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), store_mod.Base.metadata)
    assert diff == []
    Store(store.url).dispose()  # starting again on a migrated database is a no-op
    assert current_revision(store.engine) == head_revision()
    from simulator.service.migrations import is_current, shipped_heads

    assert shipped_heads() == {head_revision()} and is_current(store.engine)  # the quick start-up check agrees


def test_datetimes_come_back_as_aware_utc(store):
    beijing = timezone(timedelta(hours=8))
    with store.write() as s:
        s.add(Trainee(id="A", name="naive", created_at=datetime(2025, 3, 1, 9, 0)))
        s.add(Trainee(id="B", name="beijing", created_at=datetime(2025, 3, 1, 9, 0, tzinfo=beijing)))
    with store.read() as s:
        a, b = s.get(Trainee, "A").created_at, s.get(Trainee, "B").created_at
    assert a == datetime(2025, 3, 1, 9, 0, tzinfo=UTC) and a.tzinfo is not None
    assert b == datetime(2025, 3, 1, 1, 0, tzinfo=UTC)


def test_a_failed_write_leaves_nothing_behind(store):
    with pytest.raises(RuntimeError), store.write() as s:
        s.add(Trainee(id="A", name="x"))
        s.flush()
        raise RuntimeError("boom")
    with store.read() as s:
        assert s.get(Trainee, "A") is None


def _run_threads(n, target):
    barrier, errors = threading.Barrier(n), []

    def run(i):
        try:
            barrier.wait()
            target(i)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert errors == []


def test_twenty_threads_saving_answers_at_once_are_all_kept(store):
    code = new_exam(store)
    for i in range(20):
        exams.join(code, f"T{i:03d}", "", T0, store=store)
    exams.join(code, "SHARED", "", T0, store=store)

    def save_all(i):
        for task in TASKS:
            exams.save_answer(code, f"T{i:03d}", task.id, f"{i}-{task.id}", T0 + MIN, store=store)
        exams.save_answer(code, "SHARED", TASKS[i % 5].id, i, T0 + MIN, store=store)

    _run_threads(20, save_all)
    for i in range(20):
        saved = exams.saved_answers(code, f"T{i:03d}", store=store)
        assert {k: a.value for k, a in saved.items()} == {t.id: f"{i}-{t.id}" for t in TASKS}
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(Answer)) == 20 * 5 + 5
        assert s.scalar(select(func.count()).select_from(AnswerHistory)) == 20 * 5 + 20
    shared = exams.saved_answers(code, "SHARED", store=store)
    assert all(a.value % 5 == int(k[1:]) - 1 for k, a in shared.items()) and len(shared) == 5


def test_the_same_trainee_joining_twice_at_once_gets_one_attempt(store):
    code = new_exam(store)
    views = []
    _run_threads(8, lambda i: views.append(exams.join(code, "T001", "李雷", T0 + i * MIN, store=store)))
    assert len({v.started_at for v in views}) == 1
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(Attempt)) == 1


def test_two_processes_see_each_others_saved_answers(store):
    code = new_exam(store, now=None)
    one, two = Worker(store.url), Worker(store.url)
    try:
        assert one.call(op="join", code=code, trainee="T001") == {"ok": True}
        assert one.call(op="save", code=code, trainee="T001", task="t1", value="0.0345") == {"ok": True}
        assert two.call(op="read", code=code, trainee="T001") == {"answers": {"t1": "0.0345"}}
        assert two.call(op="save", code=code, trainee="T001", task="t2", value="B") == {"ok": True}
        assert one.call(op="read", code=code, trainee="T001") == {"answers": {"t1": "0.0345", "t2": "B"}}
    finally:
        one.close()
        two.close()
    assert {k: a.value for k, a in exams.saved_answers(code, "T001", store=store).items()} == {
        "t1": "0.0345", "t2": "B"}  # fmt: skip


def test_killing_the_app_process_mid_exam_loses_no_acknowledged_answer(store):
    code = new_exam(store, now=None)
    worker, reader = Worker(store.url), Worker(store.url)  # reader: another app process, idle until after
    acked: list[dict] = []
    try:
        worker.call(op="join", code=code, trainee="T001")
        worker.send(op="flood", code=code, trainee="T001", tasks=[t.id for t in TASKS], n=100_000)
        while len(acked) < 40:
            acked.append(worker.recv())
        worker.kill()  # SIGKILL mid-exam, most likely mid-transaction
        current = reader.call(op="read", code=code, trainee="T001")["answers"]
    finally:
        worker.close()
        reader.close()
    last_ack = {}
    for ack in acked:
        last_ack[ack["task"]] = ack["ack"]
    assert all(current[task] >= value for task, value in last_ack.items())
    with store.read() as s:
        history = set(s.execute(select(AnswerHistory.task_id, AnswerHistory.value_json)).all())
    assert {(a["task"], str(a["ack"])) for a in acked} <= history


def test_scenario_versions_are_numbered_and_exams_can_use_them(store):
    first = save_scenario_version(SCENARIO_YAML, "王老师", T0, store=store)
    second = save_scenario_version(SCENARIO_YAML.replace("模拟考试", "模拟考试二"), "王老师", T0, store=store)
    assert (first.version, second.version) == (1, 2)
    assert [v.version for v in list_scenario_versions("demo-exam", store=store)] == [1, 2]
    assert resolve_scenario("demo-exam", store=store).title == "模拟考试二"
    exam = exam_admin.create_exam("demo-exam", version=1, tasks=TASKS, now=T0, store=store)
    assert (exam.scenario_version, exam.title) == (1, "模拟考试")


def test_the_default_database_is_a_sqlite_file_in_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SIMULATOR_DATABASE_URL", raising=False)
    monkeypatch.setenv("SIMULATOR_DATA_DIR", str(tmp_path / "data"))
    assert store_mod.database_url() == f"sqlite:///{tmp_path / 'data' / 'simulator.db'}"
    store_mod.reset_stores()
    try:
        default = store_mod.get_store()
        assert default is store_mod.get_store() and (tmp_path / "data" / "simulator.db").is_file()
        with default.engine.connect() as conn:
            pragmas = [conn.exec_driver_sql(f"PRAGMA {p}").scalar() for p in ("journal_mode", "busy_timeout")]
            assert pragmas == ["wal", store_mod.SQLITE_BUSY_TIMEOUT_MS]
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    finally:
        store_mod.reset_stores()
    monkeypatch.setenv("SIMULATOR_DATABASE_URL", "postgresql+psycopg://u@db.internal/sim")
    assert store_mod.database_url() == "postgresql+psycopg://u@db.internal/sim"


def test_several_stores_starting_at_once_on_a_new_database_migrate_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    stores = []
    _run_threads(4, lambda i: stores.append(Store(url)))
    assert current_revision(stores[0].engine) == head_revision()
    with stores[0].engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    for s in stores:
        s.dispose()


def test_a_live_sqlite_store_can_be_backed_up_and_urls_pick_psycopg(tmp_path):
    live = Store(f"sqlite:///{tmp_path / 'live.db'}")
    code = new_exam(live)
    exams.join(code, "T001", "", T0, store=live)
    exams.save_answer(code, "T001", "t1", "0.0345", T0 + MIN, store=live)
    copy = Store(f"sqlite:///{live.backup_sqlite(tmp_path / 'backup' / 'copy.db')}")
    assert exams.saved_answers(code, "T001", store=copy)["t1"].value == "0.0345"
    with pytest.raises(FileExistsError):
        live.backup_sqlite(tmp_path / "backup" / "copy.db")
    assert store_mod.normalise_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert store_mod.normalise_url("sqlite:///x.db") == "sqlite:///x.db"
    live.dispose()
    copy.dispose()


def test_practice_progress_counts_checks_keeps_the_best_and_the_last_answer(store):
    from simulator.assessment.grading import TaskResult
    from simulator.core.i18n import Msg
    from simulator.service import practice

    practice.remember_trainee("P1", "李雷", store)
    practice.remember_trainee("P1", "", store)  # an empty name keeps the saved one
    assert practice.known_name("P1", store) == "李雷" and practice.known_name("P2", store) is None
    practice.save_draft("P1", "sc", "t1", 10.0, {"ctr": "5"}, store)
    draft = practice.load_progress("P1", "sc", store)["t1"]
    assert (draft.attempts, draft.best_score, draft.max_score, draft.last_answer) == (0, 0.0, 10.0, {"ctr": "5"})
    practice.record_check("P1", "sc", TaskResult("t1", 6.0, 10.0, "partial", [Msg("ui.answer.empty")]), store,
                          raw={"ctr": "6"})
    practice.record_check("P1", "sc", TaskResult("t1", 0.0, 10.0, "invalid"), store, raw="??")
    last = practice.record_check("P1", "sc", TaskResult("t1", 2.0, 10.0, "wrong"), store, raw=b"csv",
                                 filename="t1.csv")
    saved = practice.load_progress("P1", "sc", store)["t1"]
    assert saved == last
    assert (saved.best_score, saved.attempts, saved.last_status) == (6.0, 2, "wrong")
    assert (saved.last_answer, saved.last_filename) == (None, "t1.csv")
    assert saved.last_result == TaskResult("t1", 2.0, 10.0, "wrong")
    assert practice.load_progress("P1", "other", store) == {} and practice.load_progress("P9", "sc", store) == {}


def test_practice_progress_creates_an_unknown_trainee_and_skips_upload_drafts(store):
    from simulator.assessment.grading import TaskResult
    from simulator.service import practice

    practice.save_draft("P3", "sc", "t2", 5.0, b"bytes", store)  # an upload is no draft
    assert practice.load_progress("P3", "sc", store) == {}
    practice.record_check("P3", "sc", TaskResult("t2", 5.0, 5.0, "correct"), store, raw="42")
    assert practice.known_name("P3", store) == ""
    with store.read() as s:
        assert s.get(Trainee, "P3") is not None


def test_the_app_runs_no_sql_itself():
    from pathlib import Path

    app = Path(store_mod.__file__).resolve().parents[1] / "app"
    assert [p.name for p in app.rglob("*.py") if "sqlalchemy" in p.read_text("utf-8")] == []


def test_practice_doctests():
    import doctest

    from simulator.service import practice

    assert doctest.testmod(practice).failed == 0

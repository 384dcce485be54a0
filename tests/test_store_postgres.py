"""Several app replicas on one PostgreSQL: shared state, migrations at start-up, dropped connections.

The tests shared with SQLite (``db_url``) are in ``test_store.py``; these need PostgreSQL itself.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers_exam import SCENARIO_YAML, T0, TASKS
from helpers_pg import pg_server, pg_url  # noqa: F401  (fixtures)
from sqlalchemy import text
from store_worker import Worker

from simulator.service import exam_admin, exams
from simulator.service.exams import ExamClosed
from simulator.service.migrations import current_revision, head_revision
from simulator.service.store import Store

pytestmark = pytest.mark.postgres
MIN = timedelta(minutes=1)


def test_replicas_starting_at_once_on_an_empty_database_migrate_it_once(pg_url):  # noqa: F811
    workers = [Worker(pg_url) for _ in range(3)]  # they boot and migrate concurrently
    try:
        assert [w.call(op="read", code="NOPE", trainee="T1") for w in workers] == [{"answers": {}}] * 3
    finally:
        for w in workers:
            w.close()
    store = Store(pg_url)
    assert current_revision(store.engine) == head_revision()
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    store.dispose()


def test_two_engines_share_attempts_answers_and_hand_in(pg_url):  # noqa: F811
    one, two = Store(pg_url), Store(pg_url)
    code = exam_admin.create_exam(SCENARIO_YAML, tasks=TASKS, now=T0, store=one).code
    exams.join(code, "T001", "李雷", T0, store=one)
    exams.save_answer(code, "T001", "t1", "0.0345", T0 + MIN, store=one)
    resumed = exams.join(code, "T001", "", T0 + 10 * MIN, store=two)  # the balancer moved the trainee
    assert (resumed.started_at, resumed.seconds_left) == (T0, 90 * 60)
    assert exams.saved_answers(code, "T001", store=two)["t1"].value == "0.0345"
    exams.submit(code, "T001", T0 + 11 * MIN, store=two)
    with pytest.raises(ExamClosed):
        exams.save_answer(code, "T001", "t1", "0.05", T0 + 12 * MIN, store=one)
    one.dispose()
    two.dispose()


def test_a_dropped_database_connection_is_replaced_transparently(pg_url):  # noqa: F811
    store = Store(pg_url)
    code = exam_admin.create_exam(SCENARIO_YAML, tasks=TASKS, now=T0, store=store).code
    exams.join(code, "T001", "", T0, store=store)
    admin = Store(pg_url, migrate=False)
    with admin.engine.connect() as conn:  # e.g. a database restart or failover
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ))  # fmt: skip
        conn.commit()
    ack = exams.save_answer(code, "T001", "t1", "1", T0 + MIN, store=store)  # pool_pre_ping reconnects
    assert ack.saved_at == T0 + MIN
    store.dispose()
    admin.dispose()

"""Alembic environment: runs against the connection :func:`simulator.service.migrations.upgrade` provides."""

from alembic import context

from simulator.service.store import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only for `alembic` run by hand
    from simulator.service.store import make_engine

    connection = make_engine().connect()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

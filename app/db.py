"""Declarative base, engine, and the per-request session: the one place that commits.

Tenant isolation is enforced here too. A session carries the tenant it serves in
``session.info["tenant_id"]``; every ORM query it runs on a tenant-owned table is given a
``tenant_id = :tenant`` criterion, and an insert for another tenant is refused. A session that
serves no tenant must say so (``platform_scope``) or any tenant-owned query fails loudly.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, DateTime, Engine, ForeignKey, MetaData, create_engine, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    UOWTransaction,
    declared_attr,
    mapped_column,
    sessionmaker,
    with_loader_criteria,
)
from sqlalchemy.pool import ConnectionPoolEntry

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Row ids are INTEGER columns: 32 bits on PostgreSQL, which refuses (an error, not "no row") to
# compare one with a larger number. Ids read from addresses and forms are bounded by this.
MAX_ID = 2**31 - 1

TENANT_KEY = "tenant_id"
PLATFORM_KEY = "platform_scope"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TenantOwned:
    """Mixin for every table that belongs to one instance."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)


class UnscopedQueryError(RuntimeError):
    """A query touched tenant-owned data from a session bound to no tenant."""


class CrossTenantWriteError(RuntimeError):
    """An object of one tenant was added through a session serving another."""


def _on_sqlite_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


WRITE_OPTION = "minka_write"


def _begin_sqlite_transaction(connection: Connection) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT and hides BEGIN; we emit it ourselves.
    # Writing requests take the write lock up front (IMMEDIATE): SQLite cannot upgrade a read
    # transaction once another writer has committed, so concurrent claims would fail instead
    # of waiting their turn. PostgreSQL needs none of this.
    immediate = connection.get_execution_options().get(WRITE_OPTION)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# A pooled server connection unused this long is checked with a round trip before use.
PING_AFTER_IDLE_SECONDS = 10.0
_RETURNED_AT = "minka_returned_at"


def _note_return(_dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry) -> None:
    record.info[_RETURNED_AT] = time.monotonic()


def _ping_if_idle(idle_seconds: float) -> Any:
    """A checkout check: ping a connection that sat unused for ``idle_seconds`` or more.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: a round trip per request, which
    costs a third of the throughput of casting a ballot (bench/README.md, polls). Connections
    in use are checked by use: when the server has gone (restarted, or the connection was
    killed), the statement fails, SQLAlchemy sees a disconnect and throws away every pooled
    connection opened before it, and that one request gets a 503 to retry. A connection idle
    for a while — after a quiet night, when a restart is likeliest — is pinged first, and
    replaced without anyone noticing if the ping fails.
    """

    def check(
        dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry, _proxy: object
    ) -> None:
        returned = record.info.get(_RETURNED_AT)
        if returned is None or time.monotonic() - returned < idle_seconds:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
        except Exception as error:
            # The pool discards this connection and checks out another (SQLAlchemy's rule).
            raise DisconnectionError(f"idle connection failed its ping: {error}") from error

    return check


def make_engine(
    url: str, *, ping_after_idle: float = PING_AFTER_IDLE_SECONDS, **kwargs: Any
) -> Engine:
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _begin_sqlite_transaction)
        return engine
    engine = create_engine(url, **kwargs)
    event.listen(engine, "checkin", _note_return)
    event.listen(engine, "checkout", _ping_if_idle(ping_after_idle))
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


def bind_tenant(session: Session, tenant_id: int) -> Session:
    session.info[TENANT_KEY] = tenant_id
    return session


@contextmanager
def scoped_to(session: Session, tenant_id: int) -> Iterator[Session]:
    """Temporarily serve one tenant from a platform session (CLI, demo loading)."""
    previous = session.info.get(TENANT_KEY)
    session.info[TENANT_KEY] = tenant_id
    try:
        yield session
    finally:
        if previous is None:
            session.info.pop(TENANT_KEY, None)
        else:
            session.info[TENANT_KEY] = previous


def platform_session(factory: sessionmaker[Session]) -> Session:
    """A session for platform work (host lookup, CLI) that may see every tenant."""
    session = factory()
    session.info[PLATFORM_KEY] = True
    return session


@event.listens_for(Session, "do_orm_execute")
def _scope_queries_to_tenant(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    tenant_id = state.session.info.get(TENANT_KEY)
    if tenant_id is None:
        if state.session.info.get(PLATFORM_KEY):
            return
        touched = [
            m.class_.__name__ for m in state.all_mappers if issubclass(m.class_, TenantOwned)
        ]
        if touched:
            raise UnscopedQueryError(f"query on {', '.join(touched)} from a session with no tenant")
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantOwned,
            lambda cls: cls.tenant_id == tenant_id,
            include_aliases=True,
        )
    )


@event.listens_for(Session, "before_flush")
def _stamp_new_rows_with_tenant(session: Session, _tx: UOWTransaction, _i: Any) -> None:
    tenant_id = session.info.get(TENANT_KEY)
    for obj in session.new:
        if not isinstance(obj, TenantOwned):
            continue
        if tenant_id is None:
            if not session.info.get(PLATFORM_KEY):
                raise UnscopedQueryError(
                    f"{type(obj).__name__} added from a session with no tenant"
                )
            continue
        if obj.tenant_id is None:
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            raise CrossTenantWriteError(f"{type(obj).__name__} belongs to another tenant")


def session_scope(
    factory: sessionmaker[Session], tenant_id: int | None, *, write: bool = False
) -> Iterator[Session]:
    """Yield a session, then commit — or roll back if anything raised. The one commit point."""
    session = factory() if tenant_id is not None else platform_session(factory)
    if tenant_id is not None:
        bind_tenant(session, tenant_id)
    if write:
        session.connection(execution_options={WRITE_OPTION: True})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()

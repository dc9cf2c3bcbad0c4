"""The user mapper's cache: email -> username (or "no such person") in SQLite through SQLModel.

Hits live `LDAP_CACHE_TTL_SECONDS`, misses a much shorter `LDAP_NEGATIVE_CACHE_TTL_SECONDS` so a
new account is found soon. The file survives restarts and may be shared by two processes (the
daemon and `jg-run users ...`): WAL journal, a busy timeout, and upserts instead of read-then-write.
It is only a cache: a file with another schema version is emptied and rebuilt.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.dialects.sqlite import insert
from sqlmodel import Field, Session, SQLModel, col, create_engine, delete, select

SCHEMA_VERSION = 1
CACHE_FILE_NAME = "user-mapper.sqlite"
BUSY_TIMEOUT_MS = 10_000


class UserMappingRow(SQLModel, table=True):
    __tablename__ = "user_mapping"

    # lower-cased address: mail matching is case-insensitive in both AD and OpenLDAP
    email: str = Field(primary_key=True)
    # None for a negative entry ("no such person"), with `reason` saying why
    username: str | None = None
    reason: str | None = None
    # where it was looked up, e.g. "as mail=... at ldaps://dc1:636 under DC=..."
    looked_up: str = ""
    fetched_at: float
    expires_at: float = Field(index=True)


@dataclass(frozen=True)
class CacheEntry:
    email: str
    username: str | None
    reason: str | None
    looked_up: str
    fetched_at: float
    expires_at: float

    @property
    def negative(self) -> bool:
        return self.username is None

    def fresh(self, now: float) -> bool:
        return now < self.expires_at


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _entry(row: UserMappingRow) -> CacheEntry:
    return CacheEntry(
        email=row.email,
        username=row.username,
        reason=row.reason,
        looked_up=row.looked_up,
        fetched_at=row.fetched_at,
        expires_at=row.expires_at,
    )


def _set_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


class UserCache:
    """Synchronous and short; callers on the event loop run it with asyncio.to_thread."""

    def __init__(
        self,
        path: Path,
        ttl_seconds: float,
        negative_ttl_seconds: float,
    ) -> None:
        self.path = path
        self.ttl_seconds = ttl_seconds
        self.negative_ttl_seconds = negative_ttl_seconds
        path.parent.mkdir(parents=True, exist_ok=True)
        self._engine: Engine = create_engine(
            f"sqlite:///{path}",
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        event.listen(self._engine, "connect", _set_pragmas)
        self._ensure_schema()

    def _ensure_schema(self) -> None:
        table = UserMappingRow.__table__  # type: ignore[attr-defined]
        with self._engine.begin() as connection:
            version = connection.exec_driver_sql("PRAGMA user_version").scalar()
            if version != SCHEMA_VERSION:
                # Older or foreign layout: a cache may simply start over.
                table.drop(connection, checkfirst=True)
            SQLModel.metadata.create_all(connection, tables=[table])
            if version != SCHEMA_VERSION:
                connection.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def get(self, email: str) -> CacheEntry | None:
        """The entry for `email`, fresh or not (callers decide with `entry.fresh(now)`)."""
        with Session(self._engine) as session:
            row = session.get(UserMappingRow, normalize_email(email))
            return _entry(row) if row else None

    def put_hit(self, email: str, username: str, looked_up: str, now: float | None = None) -> None:
        self._upsert(email, username, None, looked_up, self.ttl_seconds, now)

    def put_miss(self, email: str, reason: str, looked_up: str, now: float | None = None) -> None:
        self._upsert(email, None, reason, looked_up, self.negative_ttl_seconds, now)

    def _upsert(
        self,
        email: str,
        username: str | None,
        reason: str | None,
        looked_up: str,
        ttl: float,
        now: float | None,
    ) -> None:
        now = time.time() if now is None else now
        values = {
            "email": normalize_email(email),
            "username": username,
            "reason": reason,
            "looked_up": looked_up,
            "fetched_at": now,
            "expires_at": now + ttl,
        }
        statement = insert(UserMappingRow).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["email"],
            set_={key: statement.excluded[key] for key in values if key != "email"},
        )
        with Session(self._engine) as session:
            session.execute(statement)
            session.commit()

    def entries(self) -> list[CacheEntry]:
        with Session(self._engine) as session:
            rows = session.exec(select(UserMappingRow).order_by(col(UserMappingRow.email)))
            return [_entry(row) for row in rows]

    def forget(self, email: str) -> bool:
        with Session(self._engine) as session:
            result = session.exec(
                delete(UserMappingRow).where(col(UserMappingRow.email) == normalize_email(email))
            )
            session.commit()
            return bool(result.rowcount)

    def forget_all(self) -> int:
        with Session(self._engine) as session:
            result = session.exec(delete(UserMappingRow))
            session.commit()
            return int(result.rowcount or 0)

    def purge_expired(self, now: float | None = None) -> int:
        now = time.time() if now is None else now
        with Session(self._engine) as session:
            result = session.exec(
                delete(UserMappingRow).where(col(UserMappingRow.expires_at) <= now)
            )
            session.commit()
            return int(result.rowcount or 0)

    def close(self) -> None:
        self._engine.dispose()


def cache_path(cache_dir: Path) -> Path:
    return cache_dir / CACHE_FILE_NAME

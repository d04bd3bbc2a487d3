"""Where the database is, how to open it, and how to write to it safely.

* :func:`resolve_url` turns ``--db`` / ``$BUDGETCTL_DB`` / the XDG default into
  an SQLAlchemy URL. A plain path means SQLite.
* SQLite connections run with ``journal_mode=WAL`` (set by ``init``; it lives in
  the file), ``synchronous=NORMAL``, ``foreign_keys=ON`` and a busy timeout.
  Write transactions start with ``BEGIN IMMEDIATE`` so that a writer waits for
  the lock up front instead of failing half-way with ``SQLITE_BUSY``; readers use
  a deferred ``BEGIN`` and, thanks to WAL, never wait for writers.
* PostgreSQL write transactions take a transaction-scoped advisory lock, the
  cross-host counterpart of SQLite's single write lock. A server with no free
  connection (``max_connections``, a role's or database's ``CONNECTION LIMIT``) is
  asked again for up to the busy timeout in all, as a lock is waited for.
* Every SQLAlchemy or driver error is translated here into a
  :class:`~budgetctl.domain.errors.DatabaseError` with a message for a person.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from budgetctl import signals
from budgetctl.domain.errors import DatabaseError, InvalidValue
from budgetctl.store.schema import HEAD_REVISION, shipped_revisions

ENV_DB = "BUDGETCTL_DB"
ENV_BUSY = "BUDGETCTL_BUSY_TIMEOUT"
_NEEDS_WRITE = "this command needs to write"
DEFAULT_BUSY_SECONDS = 30.0
PG_LOCK_KEY = 0x6275646765746374  # "budgetct": the advisory lock every writer takes
#: How PostgreSQL refuses a connection for want of a free one (the reason after "FATAL:"):
#: every slot of max_connections taken, or a role's or a database's CONNECTION LIMIT reached.
_NO_FREE_CONNECTION = re.compile(
    r"FATAL:\s+(?:sorry, too many clients already"
    r'|too many connections for (?:role|database) "[^"]*"'
    r"|remaining connection slots are reserved for .*)"
)
_T = TypeVar("_T")


def default_path() -> Path:
    """``$XDG_DATA_HOME/budgetctl/budget.db``, else under ``~/.local/share``.

    A relative ``$XDG_DATA_HOME`` is ignored (the XDG rule), and a ``$HOME`` that is set but
    empty or relative is refused: it would put the database in ``/`` or wherever cron starts."""
    xdg = os.environ.get("XDG_DATA_HOME", "")
    if os.path.isabs(xdg):
        return Path(xdg) / "budgetctl" / "budget.db"
    home = os.environ.get("HOME")
    if home is not None and not os.path.isabs(home):
        raise InvalidValue(
            f"$HOME is {'empty' if not home else f'relative ({home!r})'}, so there is no default"
            " database: pass --db PATH or set $BUDGETCTL_DB"
        )
    return Path.home() / ".local" / "share" / "budgetctl" / "budget.db"


BRIEF_LOCK_SECONDS = 5.0


def _unwritable_log(path: str) -> str:
    """The log file (``-shm``, ``-wal``) that keeps a writable database file from writes, or ''."""
    if not os.path.isfile(path) or not os.access(path, os.W_OK):
        return ""
    for log in (f"{path}-shm", f"{path}-wal"):
        if os.path.exists(log) and not os.access(log, os.W_OK):
            return log
    return ""


def _read_only_mount(path: str) -> bool:
    """Whether ``path`` is on a file system mounted read-only, with no WAL log of it there.

    Only then can no one be writing to it (a folder this user may not write to may be the
    cron user's, whose writes go on)."""
    return _read_only_fs(path) and not Path(f"{path}-wal").exists()


def _read_only_fs(path: str) -> bool:
    try:
        return bool(os.statvfs(Path(path).parent).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _logless_folder(path: str) -> bool:
    """Whether SQLite could not keep ``path``'s log (``-shm``) beside it: this user may not
    create files in its folder, and there is none yet."""
    folder = Path(path).parent
    return (
        os.path.isfile(path)
        and not os.access(folder, os.W_OK)
        and not os.path.exists(f"{path}-shm")
        and not _read_only_fs(path)  # there the database itself is read-only
    )


def _folder_error(label: str) -> DatabaseError:
    name = Path(label).name
    return DatabaseError(
        f"cannot open database {label}: SQLite keeps its log files ({name}-wal, {name}-shm) in"
        " the database's folder, which this user may not write to: run as the database's"
        " owner, or let this user write to the folder"
    )


def _make_folder(folder: Path) -> None:
    """The database's folder, with any folder on its path that is missing."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError as err:  # a file where a folder should be
        raise DatabaseError(
            f"cannot create the folder {folder}: {err.filename or folder} is a file, not a folder"
        ) from None
    except NotADirectoryError as err:
        raise DatabaseError(
            f"cannot create the folder {folder}: a part of its path is a file, not a folder"
        ) from err
    except OSError as err:
        raise DatabaseError(f"cannot create the folder {folder}: {err.strerror or err}") from None


_SECONDS = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def busy_timeout() -> float:
    raw = os.environ.get(ENV_BUSY, "").strip()
    if not raw:
        return DEFAULT_BUSY_SECONDS
    # Plain decimal seconds: float() would take "1e3", "1_0", "inf" and other scripts' digits.
    value = float(raw) if _SECONDS.fullmatch(raw) else -1.0
    if not 0 <= value <= 86_400:
        raise DatabaseError(f"${ENV_BUSY} {raw!r} is not a number of seconds between 0 and 86400")
    return value


def resolve_url(option: str | None, *, what: str = "--db") -> URL:
    """The database URL from ``--db``, ``$BUDGETCTL_DB`` or the XDG default (``what``: the
    option that gave it, for messages)."""
    if option is not None and not option.strip():
        # An empty --db (a variable that was not set) must not fall back to another database.
        raise InvalidValue(
            f"{what} is empty: give a database file path or URL (leave {what} out for "
            "$BUDGETCTL_DB or the default)"
        )
    if option is None and ENV_DB in os.environ and not os.environ[ENV_DB].strip():
        # BUDGETCTL_DB=$UNSET_VARIABLE in a crontab: not the default database in its place.
        raise InvalidValue(
            f"${ENV_DB} is set but empty: give it a database file path or URL, or unset it "
            "for the default"
        )
    raw = option or os.environ.get(ENV_DB) or str(default_path())
    if "://" in raw:
        secret = _remember_secret_in(raw)
        if "@" in secret:
            # SQLAlchemy reads the password to its first '@': the rest would become the host.
            raise DatabaseError(
                f"{what} {mask(raw)!r}: its password holds an '@': write it percent-encoded, "
                "'@' as %40 (and '%' as %25)"
            )
        try:
            url = make_url(raw)
            url.port  # noqa: B018  (a non-numeric port raises here, not later)
        except (ArgumentError, ValueError):
            raise DatabaseError(f"{what} {mask(raw)!r} is not a valid database URL") from None
        if url.password:
            _SECRETS.add(str(url.password))
        backend = url.get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise DatabaseError(
                f"{what} {mask(raw)!r}: unsupported database {backend!r} (use a file path, "
                "sqlite:///path or postgresql+psycopg://user@host/db)"
            )
        if backend == "postgresql":
            driver = url.get_driver_name()
            if url.drivername == "postgresql":
                url = url.set(drivername="postgresql+psycopg")
            elif driver != "psycopg":
                raise DatabaseError(
                    f"{what} {mask(raw)!r}: budgetctl talks to PostgreSQL through psycopg 3 only: "
                    "write the URL as postgresql+psycopg://user@host/db (or postgresql://...)"
                )
        database = url.database or ""
        relative = database not in ("", ":memory:") and not database.startswith("file:")
        if backend == "sqlite" and relative:
            # sqlite:///budget.db is relative to the working folder, as a plain path is.
            url = url.set(database=str(Path(database).expanduser().absolute()))
        return url
    return URL.create("sqlite", database=str(Path(raw).expanduser().absolute()))


_SECRETS: set[str] = set()
"""Passwords seen in database URLs this process: scrubbed from every message we print."""


def _remember_secret_in(raw: str) -> str:
    """Remember the password of the URL ``raw`` (to be scrubbed from messages) and return it.

    It runs to the last '@' (one typed with an '@' or '/' in it, not percent-encoded, is
    still all of it)."""
    found = re.search(r"://[^/@:]*:(.*)@", raw)
    if not (found and found.group(1)):
        return ""
    secret = found.group(1)
    _SECRETS.add(secret)
    _SECRETS.update(part for part in re.split(r"[@/]", secret) if part)
    from urllib.parse import unquote

    _SECRETS.add(unquote(secret))
    return secret


def mask(text: str) -> str:
    """Hide a password in a URL: ``postgresql://u:secret@h`` -> ``postgresql://u:***@h``.

    Also hides ``password=...`` in libpq connection strings and any password
    seen in a URL by this process, wherever it appears in ``text``.
    """
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if len(secret) >= 4:  # shorter ones are masked in URLs only (replacing would garble text)
            text = text.replace(secret, "***")
    text = re.sub(r"(://[^/@:\s]*:)\S*@", r"\1***@", text)
    text = re.sub(r"(?i)(password\s*=\s*)('[^']*'|\S+)", r"\1***", text)
    return text


def describe(url: URL) -> str:
    if url.get_backend_name() == "sqlite":
        return _sqlite_file(url) or url.database or ":memory:"
    return mask(url.render_as_string(hide_password=True))


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _sqlite_file(url: URL) -> str | None:
    """The file behind an SQLite URL; for a ``file:`` URI (``?uri=true``) its path."""
    db = url.database
    if not db or db == ":memory:":
        return None
    if db.startswith("file:"):
        if str(url.query.get("uri", "")).lower() not in ("true", "1"):
            return None
        path = db[len("file:") :].split("?", 1)[0]
        if path.startswith("//"):  # file://localhost/path or file:///path
            host, _, rest = path[2:].partition("/")
            path = "/" + rest if host in ("", "localhost") else ""
        if not path or path == ":memory:" or url.query.get("mode") == "memory":
            return None
        return path
    return db


class Database:
    """One database: its URL, its engine, and read and write transactions."""

    def __init__(self, url: URL) -> None:
        self.url = url
        self.sqlite = is_sqlite(url)
        self.label = describe(url)
        self._engine: Engine | None = None
        self._checked = False
        #: SQLite: opened as it stands (immutable), its folder taking no log files
        self.frozen = False

    # -- opening ---------------------------------------------------------------

    def engine(self, *, create: bool = False) -> Engine:
        if self._engine is None:
            self._engine = self._make_engine(create=create)
        return self._engine

    def _make_engine(self, *, create: bool) -> Engine:
        timeout = busy_timeout()
        if self.sqlite:
            path = _sqlite_file(self.url)
            url = self.url
            if path is not None and self.url.database != path:
                # A file: URI is opened as given (mode=ro is the user's choice), but a
                # missing file is refused as for a plain path.
                if not create and not Path(path).exists():
                    raise DatabaseError(
                        f"database {path} does not exist: run 'budgetctl init' to create it "
                        "(or pass --db / set $BUDGETCTL_DB)"
                    )
            elif path is not None:
                if not create and not Path(path).exists():
                    raise DatabaseError(
                        f"database {path} does not exist: run 'budgetctl init' to create it "
                        "(or pass --db / set $BUDGETCTL_DB)"
                    )
                if create:
                    _make_folder(Path(path).parent)
                # mode=rw: never create a database as a side effect of a typo.
                mode = "rwc" if create else "rw"
                if not create and _read_only_mount(path):
                    # SQLite keeps the log of a WAL database (-wal, -shm) beside it. On a
                    # read-only mount with no log there, no one can be writing: read the
                    # file as it stands. A write is refused as to a read-only database.
                    mode = "ro&immutable=1"
                    self.frozen = True
                # In a URI '?', '#' and '%' are syntax: the path is percent-encoded, so that
                # a file named "client.db#2" is that file, not "client.db".
                # (And an empty authority: a path that starts with // is no host name.)
                uri_path = quote(path, safe="/")
                url = self.url.set(database=f"file://{uri_path}?mode={mode}", query={"uri": "true"})
            engine = sa.create_engine(
                url,
                poolclass=NullPool,
                connect_args={"timeout": timeout, "check_same_thread": False},
            )
            _configure_sqlite(engine, timeout)
            _quiet_pool()
            return engine
        require_psycopg()
        engine = sa.create_engine(
            self.url,
            poolclass=NullPool,
            hide_parameters=True,
            connect_args={"connect_timeout": 10, "application_name": "budgetctl"},
        )
        _configure_postgres(engine, timeout)
        return engine

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    # -- transactions ------------------------------------------------------------

    @contextmanager
    def write(self, *, dry_run: bool = False, row_checks: bool = True) -> Iterator[Connection]:
        """A write transaction: commits on success (rolls back for a dry run or on any error).

        ``row_checks=False`` (SQLite) turns off the per-row foreign-key checks for this one
        transaction, for a bulk writer that checks its references as a set instead. SQLite
        takes the setting only outside a transaction; the connection is not pooled, so it
        ends with the transaction.
        """
        self.check_schema()
        try:
            with self._write(dry_run=dry_run, row_checks=row_checks) as conn:
                yield conn
        except DatabaseError as exc:
            if dry_run and exc.message.endswith(_NEEDS_WRITE):
                raise DatabaseError(
                    exc.message.removesuffix(_NEEDS_WRITE) + "a --dry-run writes too (it makes "
                    "its changes, then rolls them back): run it on a writable copy"
                ) from None
            raise

    @contextmanager
    def _write(self, *, dry_run: bool, row_checks: bool) -> Iterator[Connection]:
        with self._translate(), self.engine().connect() as conn:
            if self.sqlite and not row_checks:
                raw = conn.connection.dbapi_connection
                assert raw is not None
                raw.execute("PRAGMA foreign_keys = OFF")
            conn = conn.execution_options(budgetctl_write=True)
            trans = conn.begin()
            try:
                if not self.sqlite:
                    take_write_lock(conn)
                yield conn
            except BaseException:
                trans.rollback()
                raise
            if dry_run:
                trans.rollback()
                return
            # Ctrl-C waits while the commit runs, so that the command knows whether it went in
            # (an interrupt landing as COMMIT returned was told "nothing was written").
            with signals.held():
                signals.check()  # a signal whose exception was dropped: not committed
                trans.commit()
                note_commit()  # now: closing the connection may checkpoint for a while

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction over one snapshot (WAL on SQLite, REPEATABLE READ on PostgreSQL)."""
        self.check_schema()
        with self._translate(), self.engine().connect() as conn, conn.begin():
            if not self.sqlite:
                conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield conn

    def check_schema(self) -> None:
        """Refuse a database that is not budgetctl's, is damaged, or is at another revision."""
        if self._checked:
            return
        with self._translate(), self.engine().connect() as conn:
            names = set(sa.inspect(conn).get_table_names())
            revision = read_revision(conn)
        if revision is None:
            if not names:
                raise DatabaseError(
                    f"{self.label} is not a budgetctl database yet (it is empty): "
                    "run 'budgetctl init' to create the schema"
                )
            raise DatabaseError(
                f"{self.label} is not a budgetctl database (it has no budgetctl schema): "
                "check --db, or run 'budgetctl init' on a new path"
            )
        if revision != HEAD_REVISION:
            if revision in shipped_revisions():
                raise DatabaseError(
                    f"database {self.label} has schema revision {revision}, this budgetctl needs "
                    f"{HEAD_REVISION}: run 'budgetctl init' to upgrade it"
                )
            raise DatabaseError(
                f"database {self.label} has schema revision {revision}, which this budgetctl does "
                "not know: it was written by a newer budgetctl (upgrade budgetctl) or is not "
                "budgetctl's"
            )
        self._checked = True

    @contextmanager
    def _translate(self) -> Iterator[None]:
        try:
            yield
        except DatabaseError:
            raise
        except DBAPIError as exc:
            raise translate_error(exc, self.label) from exc
        except SQLAlchemyError as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise DatabaseError(f"database {self.label}: {mask(first)}") from exc
        except Exception as exc:
            # Raw driver cursors (bulk staging, COPY) raise the driver's own errors.
            if is_driver_error(exc):
                raise translate_error(exc, self.label) from exc
            raise


_DETAILS = "; 'budgetctl doctor' shows the details"


_commits = 0
"""Write transactions committed since :func:`forget_commits` (this process runs one command)."""


def commits() -> int:
    """How many write transactions this command has committed: once one has, the command's
    work is saved, whatever happens to its output."""
    return _commits


def note_commit() -> None:
    """A write transaction has just committed."""
    global _commits
    _commits += 1


def forget_commits() -> None:
    global _commits, _unsaved, _saved
    _commits = 0
    _unsaved = _saved = None


_unsaved: str | None = None
_saved: str | None = None


def note_interrupt(*, unsaved: str | None = None, saved: str | None = None) -> None:
    """What an interruption of this command says it leaves, where the usual words would not
    do: before its first commit (``unsaved``; usually "nothing was written"; ``db copy``: the
    target's empty schema), and after one (``saved``; usually "'budgetctl history' shows
    it"; ``demo``: where its database is)."""
    global _unsaved, _saved
    _unsaved = unsaved if unsaved is not None else _unsaved
    _saved = saved if saved is not None else _saved


def unsaved_note() -> str | None:
    return _unsaved


def saved_note() -> str | None:
    return _saved


def damaged(exc: BaseException) -> bool:
    """Whether a driver error says the file itself is damaged (not busy, full or missing)."""
    low = str(getattr(exc, "orig", None) or exc).lower()
    return "malformed" in low or "database corrupt" in low


def read_revision(conn: Connection, *, target: str | None = None) -> str | None:
    """The Alembic revision stamped in the database, or None if it has no budgetctl schema.

    ``target``: the label of a database other than the command's own (``db copy --to``),
    for errors about it."""
    names = set(sa.inspect(conn).get_table_names())
    if "alembic_version" not in names or "brand" not in names:
        return None
    row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    if row is None:
        return None
    if not row[0]:
        # Only damage empties the stamp: it is not a newer budgetctl's revision.
        if target is not None:  # doctor checks the command's own database, not this one
            raise DatabaseError(
                f"target {target} is damaged (its schema stamp is empty): restore it from a"
                " backup or copy into another database; the target is left as is"
            )
        raise DatabaseError(
            "the database is damaged (its schema stamp is empty): restore it from a backup",
            to_doctor=_DETAILS,
        )
    return str(row[0])


def require_psycopg() -> None:
    """Fail with a clear message when the optional PostgreSQL driver is missing."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise DatabaseError(
            "PostgreSQL support is not installed: install budgetctl with its postgres extra "
            "(pip install '.[postgres]' in its source folder) or the driver itself (pip install "
            "'psycopg[binary]')"
        ) from None


def is_driver_error(exc: BaseException) -> bool:
    """A DBAPI error raised by a raw driver cursor (outside SQLAlchemy's wrapping)."""
    import sqlite3
    import sys

    if isinstance(exc, sqlite3.Error):
        return True
    psycopg = sys.modules.get("psycopg")
    return psycopg is not None and isinstance(exc, psycopg.Error)


def _refusals(exc: BaseException) -> list[str]:
    """The reason of each refused connection attempt (psycopg lists every host it tried)."""
    return [
        line.rsplit("failed:", 1)[1].strip()
        for line in str(exc).splitlines()
        if "failed:" in line
    ]


def no_free_connection(exc: BaseException) -> bool:
    """Whether every attempt was refused only because all the connections allowed are in use
    (not when another host did not answer: that is not waited out)."""
    reasons = _refusals(exc)
    return bool(reasons) and all(_NO_FREE_CONNECTION.fullmatch(r) for r in reasons)


class ConnectionWait:
    """Asks the server again while it has no free connection (connections free up as other
    commands end): for up to ``timeout`` seconds in all, over every connection of the command."""

    def __init__(
        self,
        timeout: float,
        pause: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.left = timeout
        self._pause = pause
        self._clock = clock

    def connect(self, connect: Callable[[], _T]) -> _T:
        wait = 0.05
        while True:
            started = self._clock()
            try:
                return connect()
            except Exception as exc:
                self.left -= self._clock() - started
                if self.left <= 0 or not no_free_connection(exc):
                    raise
                step = min(wait, self.left)
                self._pause(step)
                self.left -= step
                wait = min(wait * 2, 0.5)


def _busy() -> DatabaseError:
    return DatabaseError(
        f"database is busy: another process held the write lock for more than "
        f"{busy_timeout():g} s; try again, or raise ${ENV_BUSY}"
    )


def take_write_lock(conn: Connection) -> None:
    """PostgreSQL: wait for the advisory lock every budgetctl writer takes, for up to the
    busy timeout (``lock_timeout``), inside the connection's transaction."""
    try:
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_LOCK_KEY})")
    except DBAPIError as exc:
        if "lock timeout" in str(exc.orig).lower():
            raise _busy() from exc
        raise


def translate_error(exc: BaseException, label: str) -> DatabaseError:
    """A driver error in words for the person at the terminal (passwords masked)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    text = str(orig) if orig is not None else str(exc)
    low = text.lower()
    label = mask(label)
    first = mask(text.strip().splitlines()[0] if text.strip() else type(exc).__name__)
    if (
        "terminating connection" in low
        or "server closed the connection" in low
        or "consuming input failed" in low
        or "the connection is closed" in low
        or "connection is lost" in low
    ):
        return DatabaseError(
            f"lost the connection to {label}; the transaction was rolled back, "
            f"nothing was written ({first})"
        )
    if "database is locked" in low or "database is busy" in low:
        return _busy()
    if "lock timeout" in low:
        # PostgreSQL: budgetctl's own write lock is told apart where it is taken
        # (take_write_lock); any other lock is another session's, on a table.
        return DatabaseError(
            f"database {label}: another session held a lock on a table this command needs for "
            f"more than {busy_timeout():g} s (a LOCK TABLE, VACUUM FULL, ALTER TABLE or CREATE "
            f"INDEX outside budgetctl?); nothing was written: try again when it ends, or raise "
            f"${ENV_BUSY}"
        )
    if "file is not a database" in low or "file is encrypted" in low:
        return DatabaseError(f"{label} is not a budgetctl database (not an SQLite file)")
    if "disk i/o error" in low:
        return DatabaseError(
            f"database {label}: {first}; nothing was written: check the disk",
            to_doctor=", then run 'budgetctl doctor'",
        )
    if damaged(exc):
        return DatabaseError(
            f"database {label} is damaged ({first}): restore it from a backup", to_doctor=_DETAILS
        )
    if "database or disk is full" in low or "no space left" in low:
        return DatabaseError(
            f"database {label}: the disk is full (the database's, or the temporary folder's:"
            " $SQLITE_TMPDIR, $TMPDIR); nothing was written"
        )
    if "readonly" in low or "read-only" in low:
        stale = _unwritable_log(label)
        if stale:
            return DatabaseError(
                f"database {label} is writable but its log file {stale} is not (left by a reader"
                " while the database was read-only?): make it writable, or remove it while no"
                f" budgetctl runs; {_NEEDS_WRITE}"
            )
        if _logless_folder(label):
            return _folder_error(label)
        return DatabaseError(f"database {label} is read-only: {_NEEDS_WRITE}")
    if "unable to open database" in low:
        if _logless_folder(label):
            return _folder_error(label)
        return DatabaseError(f"cannot open database {label}: check the path and its permissions")
    if (
        "authentication failed" in low
        or ("role" in low and "does not exist" in low)
        or "no password supplied" in low
        or "no pg_hba.conf entry" in low
    ):
        return DatabaseError(
            f"cannot connect to {label}: the server refused the login (authentication failed); "
            "check the user name and password in the URL"
        )
    if "does not exist" in low and "database" in low and "connection" in low:
        return DatabaseError(
            f"cannot connect to {label}: the database does not exist; create it first "
            "(createdb NAME, or CREATE DATABASE NAME) and run 'budgetctl init'"
        )
    if (
        "connection refused" in low
        or "could not connect" in low
        or "timeout expired" in low
        or "failed to resolve host" in low
        or "could not translate host name" in low
        or "name or service not known" in low
        or "no route to host" in low
        or "network is unreachable" in low
    ):
        return DatabaseError(f"cannot connect to {label}: the server is not reachable ({first})")
    if no_free_connection(orig if orig is not None else exc):
        refusal = _refusals(orig if orig is not None else exc)[0].removeprefix("FATAL:").strip()
        waited = busy_timeout()
        during = f" for {waited:g} s" if waited else ""
        return DatabaseError(
            f"cannot connect to {label}: the server had no free connection{during} "
            f"({mask(refusal)}); try again, raise ${ENV_BUSY}, or let the server take more "
            "(max_connections, or the role's or database's CONNECTION LIMIT)"
        )
    if (
        "connection failed" in low
        or "connection is bad" in low
        or "invalid connection option" in low
    ):
        return DatabaseError(f"cannot connect to {label}: {first}")
    if "integer overflow" in low or "bigint out of range" in low:
        # SQLite's SUM, or a PostgreSQL bigint: totals are 64-bit integers of micros.
        return DatabaseError(TOO_LARGE)
    return DatabaseError(f"database {label}: {first}")


#: The refusal of a total past the 64-bit integers of micros that totals are kept in.
TOO_LARGE = (
    "amounts too large: a total would pass the largest budgetctl keeps "
    "(9,223,372,036,854.775807); nothing was written"
)
#: The largest total the database keeps, in micros (a 64-bit integer).
MAX_TOTAL = 2**63 - 1


def _configure_sqlite(engine: Engine, timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event issue BEGIN itself (pysqlite's own is deferred-only).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        # $BUDGETCTL_BUSY_TIMEOUT is how long a writer waits for the write lock. Readers never
        # wait for writers, only for SQLite's brief locks (another process opening or
        # recovering the log): those they always wait out.
        cur.execute(f"PRAGMA busy_timeout = {int(max(timeout, BRIEF_LOCK_SECONDS) * 1000)}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("budgetctl_write"):
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def _quiet_pool() -> None:
    # SQLAlchemy's pool logs, with a traceback, an error (or a Ctrl-C) that lands while it
    # closes a connection, and raises it on: the error boundary says it in one line.
    logging.getLogger("sqlalchemy.pool").addHandler(logging.NullHandler())


def _configure_postgres(engine: Engine, timeout: float) -> None:
    # psycopg logs a warning of its own when a COPY cannot be ended on a lost connection;
    # the error boundary already says what happened, in one line.
    logging.getLogger("psycopg").addHandler(logging.NullHandler())
    _quiet_pool()

    slots = ConnectionWait(timeout)

    @event.listens_for(engine, "do_connect")
    def _when_free(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        return slots.connect(lambda: dialect.connect(*cargs, **cparams))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        # 0 is "wait forever" to PostgreSQL: the shortest wait it knows is 1 ms.
        cur.execute(f"SET lock_timeout = {max(1, int(timeout * 1000))}")
        cur.execute("SET TIME ZONE 'UTC'")
        # Our statements are short or set-based: JIT compilation costs more than it saves.
        cur.execute("SET jit = off")
        cur.close()
        dbapi_conn.commit()


def driver_sql(conn: Connection, sql: str) -> str:
    """``sql`` written with ``?`` placeholders, in the driver's own parameter style."""
    return sql if conn.dialect.paramstyle == "qmark" else sql.replace("?", "%s")


def placeholders(count: int) -> str:
    """``?, ?, ?`` for an ``IN (...)`` list of ``count`` values (at least one: ``NULL``)."""
    return ", ".join("?" * count) if count else "NULL"


def fetch_rows(conn: Connection, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
    """The rows of a query with positional ``?`` parameters, as plain tuples from the driver.

    For the reads that cover every campaign or brand: SQLAlchemy's result rows cost about a
    microsecond each on top of the driver's. Runs on the transaction's own connection.
    """
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cursor: Any = raw.cursor()  # sqlite3 and psycopg cursors both iterate over their rows
    try:
        cursor.execute(driver_sql(conn, sql), tuple(params))
        for row in cursor:  # noqa: UP028 - "yield from" hands the generator's close to the cursor
            yield row
    finally:
        # Closed during an interrupt's unwinding, its connection may be closed already.
        with suppress(Exception):
            cursor.close()


IN_SLICE = 10_000
"""Values per ``IN (...)`` list: well inside SQLite's and PostgreSQL's parameter limits."""


def in_code_order(conn: Connection) -> str:
    """``COLLATE "C"`` on PostgreSQL, nothing on SQLite: an ``ORDER BY`` on text sorts by
    code point on both (SQLite's own order), whatever collation the server was set up with."""
    return "" if conn.dialect.name == "sqlite" else ' COLLATE "C"'


def fetch_in(conn: Connection, sql: str, values: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of ``sql ... IN (values)``: ``sql`` ends with the column to match, and runs
    once per slice of :data:`IN_SLICE` values."""
    out: list[tuple[Any, ...]] = []
    for start in range(0, len(values), IN_SLICE):
        part = values[start : start + IN_SLICE]
        out += fetch_rows(conn, f"{sql} IN ({placeholders(len(part))})", part)
    return out


def execute_many(conn: Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """``executemany`` of ``sql`` with positional ``?`` parameters, on either engine.

    For tens of thousands of rows: plain tuples go to the driver as they are, without the
    per-row parameter processing of a SQLAlchemy ``text()`` statement.
    """
    if rows:
        conn.exec_driver_sql(driver_sql(conn, sql), list(rows))


def bulk_writer(
    conn: Connection, table: str, columns: Sequence[str]
) -> Callable[[list[tuple[Any, ...]]], None]:
    """A function that appends rows to ``table`` the fastest way the driver offers.

    SQLite: ``executemany`` on the raw cursor (no SQLAlchemy per-row overhead).
    PostgreSQL: ``COPY ... FROM STDIN`` (psycopg 3's ``Copy.write_row``), one COPY per
    call, so that other statements can run between calls. Both run on the
    transaction's own connection: a rollback removes what they wrote.
    """
    raw = conn.connection.dbapi_connection
    assert raw is not None
    names = ", ".join(columns)
    if conn.dialect.name == "sqlite":
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in columns)})"

        def write_sqlite(rows: list[tuple[Any, ...]]) -> None:
            cursor = raw.cursor()
            try:
                cursor.executemany(sql, rows)
            finally:
                cursor.close()

        return write_sqlite

    pg: Any = raw  # a psycopg 3 connection: cursors are context managers, with .copy()
    copy_sql = f"COPY {table} ({names}) FROM STDIN"

    def write_postgres(rows: list[tuple[Any, ...]]) -> None:
        with pg.cursor() as cursor, cursor.copy(copy_sql) as copy:
            for row in rows:
                copy.write_row(row)

    return write_postgres

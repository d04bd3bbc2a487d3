"""The fault suite: what budgetctl does when the world misbehaves.

Modelled on SQLite's own testing (I/O errors at every statement, disk full,
crashes at several points, damaged files) and on TigerBeetle's idempotency
checks (concurrent retries record exactly once). Every case asserts an exact
outcome: an exit code, an ``error:`` line, and the database itself — equal to
its state before a failed command (``dump``), or holding an exact total.

* Faults are injected through real mechanisms: a class-level SQLAlchemy
  ``before_cursor_execute`` / ``commit`` listener raising the driver's own
  ``sqlite3.OperationalError`` at statement *k*; SQLite's ``max_page_count``
  (main and temp databases) for a full disk; ``SIGKILL`` of a real process;
  another process holding the write lock; bytes written over the file.
* Processes are the real console script (``budgetctl`` next to this Python).
  Nothing sleeps to synchronise: concurrent commands start behind a barrier,
  and a kill waits on progress observed from outside (file offsets, WAL size,
  CPU time).

Reliability.md at the top level lists every fault with the test that proves it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from sqlalchemy.engine import Engine

from budgetctl.domain.errors import InvalidValue
from budgetctl.domain.money import MAX_MICROS, format_exact, parse_micros
from budgetctl.services.base import name_key
from tests.conftest import Cli, Run, dump, query

BIN = str(Path(sys.executable).with_name("budgetctl"))
SETUP_NOW = "2026-11-20T10:00:00+00:00"
NOW = "2026-11-25T20:00:00+00:00"
IO_ERROR = "disk I/O error"
DISK_FULL = ("the disk is full (the database's, or the temporary folder's: $SQLITE_TMPDIR, $TMPDIR); "
             "nothing was written")


# -- helpers ---------------------------------------------------------------------------------


def proc_env(db: Path, *, now: str = NOW, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUDGETCTL_")}
    env.update(BUDGETCTL_DB=str(db), BUDGETCTL_NOW=now, BUDGETCTL_ACTOR="tester", NO_COLOR="1")
    env.update(extra)
    return env


def run_bin(db: Path, *args: str, now: str = NOW, **extra: str) -> Run:
    """The real console script in a new process."""
    done = subprocess.run(
        [BIN, *args], env=proc_env(db, now=now, **extra), capture_output=True, text=True,
        timeout=300, check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def one_error_line(run: Run) -> str:
    """The command failed with exit 1 and exactly one ``error:`` line, no traceback."""
    assert run.exit_code == 1, (run.exit_code, run.stdout, run.stderr)
    assert run.stderr.startswith("error: "), run.stderr
    assert run.stderr.count("\n") == 1 and run.stderr.endswith("\n"), run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    return run.stderr[len("error: "):-1]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def integrity(db: Path) -> list[str]:
    conn = sqlite3.connect(db)  # read-write: a crashed WAL database may need recovery
    try:
        return [r[0] for r in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()


def checkpoint(db: Path) -> None:
    """Fold the WAL into the main file, so that the file alone is the database."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def state_events(db: Path) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = {}
    for cid, detail in query(db, "SELECT campaign_id, detail FROM event WHERE kind = 'state' ORDER BY id"):
        d = json.loads(detail)
        out.setdefault(cid, []).append((d["from"], d["to"]))
    return out


def assert_events_alternate(db: Path) -> int:
    """Each campaign's state events chain from 'active' to its stored state, one per change."""
    events = state_events(db)
    total = 0
    for cid, state in query(db, "SELECT id, state FROM campaign"):
        chain = events.get(cid, [])
        current = "active"
        for frm, to in chain:
            assert frm == current and to != frm, (cid, chain)
            current = to
        assert current == state, (cid, chain, state)
        total += len(chain)
    return total


def dry_run_changes(db: Path, *, now: str = NOW) -> list[Any]:
    run = run_bin(db, "enforce", "--dry-run", "--json", now=now)
    assert run.exit_code == 0, run.stderr
    changes: list[Any] = json.loads(run.stdout)["changes"]
    return changes


def in_process(db: Path, *args: str, now: str = NOW, **env: str) -> Run:
    return Cli(db)(*args, now=now, env=env or None)


# -- fault injection (in-process, real driver exceptions) --------------------------------------


class StatementFault:
    """Raise ``sqlite3.OperationalError`` at the k-th statement any engine sends to the driver.

    A class-level ``before_cursor_execute`` listener on :class:`Engine`: it sees every
    statement SQLAlchemy executes (BEGIN IMMEDIATE included) and the exception is the
    driver's own, so SQLAlchemy wraps and handles it exactly as a real failure there.
    """

    def __init__(self, k: int, message: str = IO_ERROR) -> None:
        self.k = k
        self.message = message
        self.seen = 0
        self.fired: str | None = None

    def _hook(self, conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        self.seen += 1
        if self.seen == self.k:
            self.fired = statement
            raise sqlite3.OperationalError(self.message)

    def __enter__(self) -> StatementFault:
        event.listen(Engine, "before_cursor_execute", self._hook)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(Engine, "before_cursor_execute", self._hook)


@contextmanager
def commit_fault(message: str = IO_ERROR) -> Iterator[list[int]]:
    """Every COMMIT fails with the driver's error (the transaction is never committed)."""
    fired: list[int] = []

    def hook(conn: Any) -> None:
        fired.append(1)
        raise sqlite3.OperationalError(message)

    event.listen(Engine, "commit", hook)
    try:
        yield fired
    finally:
        event.remove(Engine, "commit", hook)


@contextmanager
def on_connect(fn: Callable[[sqlite3.Connection], None]) -> Iterator[None]:
    """Run ``fn`` on every new driver connection (after budgetctl's own pragmas)."""

    def hook(dbapi_conn: Any, _record: Any) -> None:
        fn(dbapi_conn)

    event.listen(Engine, "connect", hook)
    try:
        yield
    finally:
        event.remove(Engine, "connect", hook)


def pin_main(conn: sqlite3.Connection) -> None:
    """A full disk: the main database may not grow by a single page."""
    pages = conn.execute("PRAGMA main.page_count").fetchone()[0]
    conn.execute(f"PRAGMA main.max_page_count = {pages}")


def pin_temp(conn: sqlite3.Connection) -> None:
    """A full temporary directory: the temp database (the import's staging table) may not grow."""
    conn.execute("PRAGMA temp.max_page_count = 2")


def deny_staging(conn: sqlite3.Connection) -> None:
    """SQLite itself refuses the import's raw-cursor staging INSERT (an authorizer)."""

    def authorizer(action: int, arg1: Any, *_: Any) -> int:
        if action == sqlite3.SQLITE_INSERT and arg1 == "import_stage":
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    conn.set_authorizer(authorizer)


# -- a small agency used by the fault cases ------------------------------------------------------


@pytest.fixture
def agency(ready: Cli, db_path: Path, tmp_path: Path) -> Path:
    """Acme (daily 100): Search (no schedule, 60 spent on the 20th) and Night (09:00-17:00)."""
    ready.ok("brand", "add", "Acme", "--daily", "100", "--monthly", "1000", now=SETUP_NOW)
    ready.ok("campaign", "add", "Acme", "Search", "--external-id", "111", now=SETUP_NOW)
    ready.ok("campaign", "add", "Acme", "Night", now=SETUP_NOW)
    ready.ok("schedule", "set", "Acme", "Night", "daily 09:00-17:00", now=SETUP_NOW)
    ready.ok("spend", "record", "Acme", "Search", "60", "--key", "seed", now=SETUP_NOW)
    (tmp_path / "spend.csv").write_text(
        "date,brand,campaign,amount,id\n"
        "2026-11-25,Acme,Search,40.25,r1\n"
        "2026-11-25,Acme,Night,70.000001,r2\n"
        "2026-11-24,Acme,Search,-5,r3\n",
        encoding="utf-8",
    )
    return db_path


WRITES: dict[str, list[str]] = {
    "spend record": ["spend", "record", "Acme", "Search", "150", "--key", "k1", "--note", "late"],
    "spend import": ["spend", "import", "{tmp}/spend.csv"],
    "enforce": ["enforce"],
    "reset": ["reset"],
}


def write_args(name: str, tmp_path: Path) -> list[str]:
    return [a.replace("{tmp}", str(tmp_path)) for a in WRITES[name]]


# -- I/O errors at every statement ---------------------------------------------------------------


@pytest.mark.parametrize("command", list(WRITES))
def test_io_error_at_every_statement_changes_nothing(
    command: str, agency: Path, tmp_path: Path
) -> None:
    args = write_args(command, tmp_path)
    before = dump(agency)
    # COMMIT itself fails: nothing is committed.
    with commit_fault() as fired:
        run = in_process(agency, *args)
    assert fired
    assert one_error_line(run) == (
        f"database {agency}: {IO_ERROR}; nothing was written: check the disk, then run "
        "'budgetctl doctor'"
    )
    assert dump(agency) == before
    # Statement k = 1, 2, ... fails, until the command runs to the end.
    failed_at: list[str] = []
    k = 0
    while True:
        k += 1
        with StatementFault(k) as fault:
            run = in_process(agency, *args)
        if fault.fired is None:
            break
        failed_at.append(fault.fired.split()[0].upper())
        assert one_error_line(run) == (
            f"database {agency}: {IO_ERROR}; nothing was written: check the disk, then run "
            "'budgetctl doctor'"
        ), (k, fault.fired)
        assert dump(agency) == before, (k, fault.fired)
    assert run.exit_code == 0, run.stderr
    assert fault.seen == k - 1
    # The faults hit reads, BEGIN IMMEDIATE and the writes themselves.
    assert {"SELECT", "BEGIN", "INSERT"} <= set(failed_at)
    # The unfaulted run did all of its work, once.
    after = dump(agency)
    assert after != before
    assert dry_run_changes(agency) == []
    assert_events_alternate(agency)
    if command == "spend record":
        assert query(agency, "SELECT SUM(amount), COUNT(*) FROM spend_entry") == [(210_000_000, 2)]
    if command == "spend import":
        assert query(agency, "SELECT SUM(amount), COUNT(*) FROM spend_entry") == [(165_250_001, 4)]
    if command == "reset":
        assert query(agency, "SELECT COUNT(*) FROM period_close") == [(5,)]


def test_io_error_in_the_imports_raw_staging_changes_nothing(agency: Path, tmp_path: Path) -> None:
    """The staging executemany bypasses SQLAlchemy: SQLite's authorizer refuses it there."""
    before = dump(agency)
    with on_connect(deny_staging):
        run = in_process(agency, *write_args("spend import", tmp_path))
    assert one_error_line(run) == f"database {agency}: not authorized"
    assert dump(agency) == before


# -- disk full ---------------------------------------------------------------------------------


def big_generic_csv(path: Path, rows: int, *, campaign: str = "Search", start: int = 0) -> int:
    """A generic CSV with ids; returns its total in micros."""
    total = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("date,brand,campaign,amount,id\n")
        for i in range(start, start + rows):
            micros = (i % 997) * 1_000_000 + (i % 7) * 10_000 + 1
            total += micros
            f.write(f"2026-11-{1 + i % 24:02d},Acme,{campaign},{format_exact(micros)},row-{i}\n")
    return total


@pytest.mark.parametrize("pin", [pin_main, pin_temp], ids=["database-file", "temp-staging"])
def test_disk_full_during_import_writes_nothing(
    pin: Callable[[sqlite3.Connection], None], agency: Path, tmp_path: Path
) -> None:
    big_generic_csv(tmp_path / "big.csv", 20_000)
    before = dump(agency)
    with on_connect(pin):
        run = in_process(agency, "spend", "import", str(tmp_path / "big.csv"))
    assert one_error_line(run) == f"database {agency}: {DISK_FULL}"
    assert dump(agency) == before
    assert integrity(agency) == ["ok"]
    run = in_process(agency, "spend", "import", str(tmp_path / "big.csv"), "--json")
    assert run.exit_code == 0 and json.loads(run.stdout)["entries_written"] == 20_000


def test_disk_filling_up_fails_cleanly_at_the_first_page_it_cannot_get(agency: Path) -> None:
    """Record spend with long notes on a database that may not grow: each command is whole."""
    note = "n" * 1000
    recorded = 0
    with on_connect(pin_main):
        for i in range(1000):
            before = dump(agency)
            run = in_process(agency, "spend", "record", "Acme", "Search", "0.01", "--key",
                             f"fill-{i}", "--note", note, now=SETUP_NOW)
            if run.exit_code != 0:
                break
            recorded += 1
        else:
            raise AssertionError("a database pinned to its size took 1000 more entries")
    assert one_error_line(run) == f"database {agency}: {DISK_FULL}"
    assert dump(agency) == before
    assert query(agency, "SELECT COUNT(*), SUM(amount) FROM spend_entry") == [
        (1 + recorded, 60_000_000 + recorded * 10_000)
    ]
    assert integrity(agency) == ["ok"]


# -- read-only database ----------------------------------------------------------------------


def test_read_only_uri_reads_work_and_writes_fail_clearly(agency: Path, tmp_path: Path) -> None:
    checkpoint(agency)
    ro = f"sqlite:///file:{agency}?mode=ro&uri=true"
    before = sha(agency)
    cli = Cli(agency)
    for args in (["brand", "list", "--json"], ["status", "--json"], ["spend", "list", "--json"],
                 ["campaign", "list", "--json"], ["history", "--json"]):
        run = cli("--db", ro, *args, now=NOW)
        assert run.exit_code == 0, (args, run.stderr)
    assert json.loads(cli("--db", ro, "spend", "list", "--json", now=NOW).stdout)[0]["amount"] == "60.00"
    for args in (["spend", "record", "Acme", "Search", "1"], ["enforce"], ["reset"],
                 ["spend", "import", str(tmp_path / "spend.csv")], ["brand", "add", "New",
                 "--daily", "1", "--monthly", "none"], ["campaign", "pause", "Acme", "Search"]):
        run = cli("--db", ro, *args, now=NOW)
        assert one_error_line(run) == (
            f"database {agency} is read-only: this command needs to write"
        ), args
    for args in (["enforce", "--dry-run"], ["spend", "import", "--dry-run", str(tmp_path / "spend.csv")]):
        run = cli("--db", ro, *args, now=NOW)
        assert one_error_line(run) == (
            f"database {agency} is read-only: a --dry-run writes too (it makes its changes, then "
            "rolls them back): run it on a writable copy"
        ), args
    assert sha(agency) == before
    # init: an up-to-date database needs no write; a new one cannot be created read-only.
    run = cli("--db", ro, "init")
    assert run.exit_code == 0 and "is up to date" in run.stdout
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    run = cli("--db", f"sqlite:///file:{empty}?mode=ro&uri=true", "init")
    assert one_error_line(run) == f"database {empty} is read-only: this command needs to write"
    assert empty.read_bytes() == b""
    # A typo in a file: URI does not create a file.
    missing = tmp_path / "missing.db"
    run = cli("--db", f"sqlite:///file:{missing}?mode=rw&uri=true", "brand", "list")
    assert one_error_line(run) == (
        f"database {missing} does not exist: run 'budgetctl init' to create it "
        "(or pass --db / set $BUDGETCTL_DB)"
    )
    assert not missing.exists()


# -- busy: another process holds the write lock ---------------------------------------------------

HOLDER = (
    "import sqlite3, sys\n"
    "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "c.execute('BEGIN IMMEDIATE')\n"
    "c.execute(\"INSERT INTO pass_run (name, last_run_at, last_now, changes) VALUES ('x', 0, 0, 0)\")\n"
    "print('locked', flush=True)\n"
    "sys.stdin.readline()\n"
    "c.execute('ROLLBACK')\n"
)


@pytest.mark.parametrize("value", ["abc", "-1", "inf", "nan", "1e3", "1_0", "\u0661", "86401"])
def test_a_busy_timeout_that_is_not_plain_seconds_is_refused(agency: Path, value: str) -> None:
    before = dump(agency)
    for args in (["spend", "record", "Acme", "Search", "1"], ["brand", "list"]):
        run = in_process(agency, *args, BUDGETCTL_BUSY_TIMEOUT=value)
        assert one_error_line(run) == (
            f"$BUDGETCTL_BUSY_TIMEOUT {value!r} is not a number of seconds between 0 and 86400"
        )
    assert dump(agency) == before
    for fine in ("2.5", " .5 ", "5.", "86400"):
        assert in_process(agency, "brand", "list", BUDGETCTL_BUSY_TIMEOUT=fine).exit_code == 0


def test_busy_writer_waits_then_fails_and_readers_carry_on(agency: Path, tmp_path: Path) -> None:
    before = dump(agency)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(agency)], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        for args in (["spend", "record", "Acme", "Search", "1", "--key", "b1"], ["enforce"],
                     ["spend", "import", str(tmp_path / "spend.csv")]):
            started = time.monotonic()
            run = in_process(agency, *args, BUDGETCTL_BUSY_TIMEOUT="1")
            waited = time.monotonic() - started
            assert one_error_line(run) == (
                "database is busy: another process held the write lock for more than 1 s; "
                "try again, or raise $BUDGETCTL_BUSY_TIMEOUT"
            ), args
            assert 0.9 <= waited < 30, waited
        # Readers never wait for the writer (WAL): they succeed with no busy timeout at all.
        for args in (["status", "--json"], ["brand", "list", "--json"], ["spend", "list", "--json"],
                     ["history", "--json"], ["doctor", "--json"]):
            run = in_process(agency, *args, BUDGETCTL_BUSY_TIMEOUT="0")
            assert run.exit_code == (1 if args[0] == "doctor" else 0), (args, run.stderr)
            assert "database is busy" not in run.stdout + run.stderr
        checks = {c["name"]: c for c in json.loads(run.stdout)["checks"]}
        assert checks["integrity"]["ok"] and checks["schema"]["ok"]  # exit 1: passes never ran
        assert json.loads(in_process(agency, "status", "--json").stdout)[0]["brand"] == "Acme"
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=30)
    assert holder.returncode == 0
    assert dump(agency) == before


EXCLUSIVE_HOLDER = (
    "import sqlite3, sys\n"
    "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "c.execute('PRAGMA locking_mode = EXCLUSIVE')\n"  # held until closed: readers too must wait
    "c.execute('BEGIN IMMEDIATE')\n"
    "c.execute(\"INSERT INTO pass_run (name, last_run_at, last_now, changes) VALUES ('x', 0, 0, 0)\")\n"
    "c.execute('ROLLBACK')\n"
    "print('locked', flush=True)\n"
    "sys.stdin.readline()\n"
    "c.close()\n"
)


def test_a_reader_waits_out_a_brief_lock_even_with_a_zero_busy_timeout(agency: Path) -> None:
    # SQLite locks readers out for a moment while another process opens or recovers the log;
    # a zero $BUDGETCTL_BUSY_TIMEOUT (the writers' wait) made such a reader fail as "busy".
    holder = subprocess.Popen([sys.executable, "-c", EXCLUSIVE_HOLDER, str(agency)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    reader = subprocess.Popen([BIN, "brand", "list", "--json"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True,
                              env=proc_env(agency, BUDGETCTL_BUSY_TIMEOUT="0"))
    try:
        # Release the lock once the reader has the database open (and is at its lock).
        while reader.poll() is None and _open_fd(reader.pid, agency) < 0:
            time.sleep(0.005)
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=30)
    out, err = reader.communicate(timeout=60)
    assert (reader.returncode, err) == (0, "")
    assert [b["brand"] for b in json.loads(out)] == ["Acme"]


@contextmanager
def read_only_mount(folder: Path) -> Iterator[Callable[[], None]]:
    """A small tmpfs at ``folder``; the function it gives remounts it read-only."""
    folder.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a file system needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)],
                          capture_output=True, check=False)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield lambda: subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_a_database_on_a_read_only_file_system_can_be_read(tmp_path: Path) -> None:
    with read_only_mount(tmp_path / "ro") as freeze:
        db = tmp_path / "ro" / "budget.db"
        assert run_bin(db, "init").exit_code == 0
        assert run_bin(db, "brand", "add", "Acme", "--daily", "1", "--monthly", "2").exit_code == 0
        assert sorted(p.name for p in db.parent.iterdir()) == ["budget.db"]  # no log left
        freeze()
        before = sha(db)
        # SQLite cannot create the log files beside it: nothing can write, so reads read it as is.
        run = run_bin(db, "brand", "list", "--json")
        assert (run.exit_code, run.stderr) == (0, "")
        assert [(b["brand"], b["daily_budget"]) for b in json.loads(run.stdout)] == [("Acme", "1.00")]
        doctor = {c["name"]: (c["ok"], c["detail"])
                  for c in json.loads(run_bin(db, "doctor", "--json").stdout)["checks"]}
        assert doctor["journal mode"] == (True, "wal (read only: its folder takes no log files)")
        assert doctor["integrity"] == (True, "ok")
        run = run_bin(db, "brand", "add", "B", "--daily", "1", "--monthly", "2")
        assert one_error_line(run) == f"database {db} is read-only: this command needs to write"
        assert sha(db) == before


NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def as_nobody(db: Path, *args: str) -> Run:
    """The console script as an unprivileged user (file permissions then apply)."""
    done = subprocess.run([*NOBODY, BIN, *args], env=proc_env(db), capture_output=True, text=True,
                          timeout=120, check=False)
    return Run(done.returncode, done.stdout, done.stderr)


def test_a_folder_this_user_may_not_write_to_is_named_not_read_as_frozen(tmp_path: Path) -> None:
    # The cron user's folder: an operator may read only once SQLite may keep its log there.
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run as an unprivileged user")
    folder = Path(tempfile.mkdtemp(prefix="budgetctl-ro-"))
    try:
        folder.chmod(0o755)
        if subprocess.run([*NOBODY, sys.executable, "-c", "import budgetctl"],
                          capture_output=True, check=False).returncode:
            pytest.skip("an unprivileged user cannot run this Python")
        db = folder / "budget.db"
        assert run_bin(db, "init").exit_code == 0
        db.chmod(0o644)
        run = as_nobody(db, "brand", "list")
        assert one_error_line(run) == (
            f"cannot open database {db}: SQLite keeps its log files (budget.db-wal, budget.db-shm) in "
            "the database's folder, which this user may not write to: run as the database's owner, or "
            "let this user write to the folder"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_log_file_left_read_only_is_named_when_writes_fail(tmp_path: Path) -> None:
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run as an unprivileged user")
    folder = Path(tempfile.mkdtemp(prefix="budgetctl-shm-"))
    try:
        if subprocess.run([*NOBODY, sys.executable, "-c", "import budgetctl"],
                          capture_output=True, check=False).returncode:
            pytest.skip("an unprivileged user cannot run this Python")
        db = folder / "budget.db"
        assert run_bin(db, "init").exit_code == 0
        for path in (folder, db):
            os.chown(path, 65534, 65534)
        db.chmod(0o444)
        assert as_nobody(db, "brand", "list").exit_code == 0  # SQLite leaves its log 0444 too
        assert oct(Path(f"{db}-shm").stat().st_mode & 0o777) == "0o444"
        db.chmod(0o644)
        run = as_nobody(db, "brand", "add", "Acme", "--daily", "1", "--monthly", "2")
        assert one_error_line(run) == (
            f"database {db} is writable but its log file {db}-shm is not (left by a reader while the "
            "database was read-only?): make it writable, or remove it while no budgetctl runs; this "
            "command needs to write"
        )
        Path(f"{db}-shm").chmod(0o644)
        Path(f"{db}-wal").chmod(0o644)
        assert as_nobody(db, "brand", "add", "Acme", "--daily", "1", "--monthly", "2").exit_code == 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -- damaged and foreign files ---------------------------------------------------------------


def damage(kind: str, db: Path) -> str:
    """Damage ``db`` in place; return the expected error for every command."""
    checkpoint(db)
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    if kind == "random-pages":
        rng = random.Random(6)
        for start in range(page, len(data), page):  # every page but the first (the schema)
            data[start:start + page] = rng.randbytes(page)
        db.write_bytes(bytes(data))
        return f"database {db} is damaged (database disk image is malformed): restore it from " \
            "a backup; 'budgetctl doctor' shows the details"
    if kind == "truncated":
        db.write_bytes(bytes(data[: page * 3]))
        return f"database {db} is damaged (database disk image is malformed): restore it from " \
            "a backup; 'budgetctl doctor' shows the details"
    if kind == "truncated-header":  # the magic string survives: SQLite calls it malformed
        db.write_bytes(bytes(data[:60]))
        return f"database {db} is damaged (database disk image is malformed): restore it from " \
            "a backup; 'budgetctl doctor' shows the details"
    if kind == "text":
        db.write_text("date,campaign,amount\n2026-11-25,Search,12.50\n" * 200, encoding="utf-8")
        return f"{db} is not a budgetctl database (not an SQLite file)"
    if kind == "foreign-sqlite":
        db.unlink()
        conn = sqlite3.connect(db)
        conn.executescript("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);"
                           "INSERT INTO notes (body) VALUES ('not yours');")
        conn.close()
        return (f"{db} is not a budgetctl database (it has no budgetctl schema): check --db, or "
                "run 'budgetctl init' on a new path")
    raise AssertionError(kind)


DAMAGE = ["random-pages", "truncated", "truncated-header", "text", "foreign-sqlite"]


@pytest.mark.parametrize("kind", DAMAGE)
def test_damaged_and_foreign_files_fail_clearly_and_stay_untouched(
    kind: str, agency: Path, tmp_path: Path
) -> None:
    expected = damage(kind, agency)
    for extra in ("-wal", "-shm"):
        Path(f"{agency}{extra}").unlink(missing_ok=True)
    before = sha(agency)
    for args in (["brand", "list"], ["spend", "record", "Acme", "Search", "1"], ["enforce"],
                 ["status"], ["spend", "import", str(tmp_path / "spend.csv")], ["reset", "--json"],
                 ["history"]):
        run = in_process(agency, *args)
        assert one_error_line(run) == expected, (kind, args)
    run = in_process(agency, "doctor", "--json")
    assert run.exit_code == 1
    report = json.loads(run.stdout)
    assert report["ok"] is False
    failed = {c["name"]: c["detail"] for c in report["checks"] if not c["ok"]}
    if kind == "text":
        assert failed == {"database": expected}
    elif kind == "foreign-sqlite":
        assert failed == {"journal mode": "delete", "schema": "not a budgetctl database"}
    else:
        # doctor says what it found, and does not send the reader to doctor.
        assert failed == {"database": expected.replace(TO_DOCTOR, "")}
    assert sha(agency) == before


TO_DOCTOR = "; 'budgetctl doctor' shows the details"


def test_a_line_break_in_the_database_path_keeps_the_error_on_one_line(
    cli: Cli, tmp_path: Path
) -> None:
    folder = tmp_path / "q\nr"
    folder.mkdir()
    missing = folder / "x.db"
    run = cli("--db", str(missing), "brand", "list")
    assert one_error_line(run) == (
        f"database {tmp_path}/q\\x0ar/x.db does not exist: run 'budgetctl init' to create it "
        "(or pass --db / set $BUDGETCTL_DB)"
    )
    assert not missing.exists()
    text = folder / "notes.db"
    text.write_bytes(b"not a database, just text\n" * 200)
    run = cli("--db", str(text), "spend", "record", "Acme", "Search", "1")
    assert one_error_line(run) == (
        f"{tmp_path}/q\\x0ar/notes.db is not a budgetctl database (not an SQLite file)"
    )
    assert text.read_bytes() == b"not a database, just text\n" * 200
    # An import's problems stay one per line, file names escaped alike.
    bad = folder / "spend.csv"
    bad.write_text("date,campaign,amount\n2026-11-24,Search,abc\n")
    cli.ok("--db", str(folder / "ok.db"), "init")
    run = cli("--db", str(folder / "ok.db"), "spend", "import", str(bad))
    assert (run.exit_code, run.stderr.splitlines()[1]) == (1, (
        f"  {tmp_path}/q\\x0ar/spend.csv:2: amount 'abc' is not a decimal number: use digits "
        "with an optional '.' and at most 6 decimals, such as 12.50 (no exponents, NaN or "
        "infinity)"
    ))


def test_db_copy_from_a_damaged_source_names_the_source_not_the_new_target(
    agency: Path, tmp_path: Path
) -> None:
    conn = sqlite3.connect(agency)
    conn.executemany(
        "INSERT INTO spend_entry (brand_id, campaign_id, amount, occurred_at, recorded_at, source, "
        "actor, note) VALUES (1, 1, 1, ?, 0, 'manual', 'tester', ?)",
        [(i, f"entry {i:06d} " + "x" * 60) for i in range(20_000)],
    )
    conn.commit()
    conn.close()
    checkpoint(agency)
    # The brands, campaigns and schema stay whole; the ledger's pages at the end do not.
    data = bytearray(agency.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    pages = len(data) // page
    for n in range(pages * 6 // 10, pages * 7 // 10):
        data[n * page:(n + 1) * page] = b"\xff" * page
    agency.write_bytes(bytes(data))
    target = tmp_path / "copy.db"
    run = in_process(agency, "db", "copy", "--to", str(target))
    assert one_error_line(run) == (
        f"database {agency} is damaged (database disk image is malformed): restore it from a backup"
        + TO_DOCTOR
    )
    assert query(target, "SELECT COUNT(*) FROM spend_entry") == [(0,)]
    assert query(target, "SELECT COUNT(*) FROM brand") == [(0,)]
UNCHECKABLE = ("SQLite could not check the file: database disk image is malformed; restore it from a "
               "backup ('sqlite3 FILE .recover' may save what is readable)")


@pytest.mark.parametrize(
    ("error", "name", "detail"),
    [
        ("disk I/O error", "database", "database {db}: disk I/O error; nothing was written: check the disk"),
        ("database disk image is malformed", "integrity", UNCHECKABLE),
        ("file is not a database", "integrity", UNCHECKABLE.replace("database disk image is malformed",
                                                                    "file is not a database")),
    ],
)
def test_doctor_when_the_integrity_check_itself_fails(agency: Path, error: str, name: str, detail: str) -> None:
    def hook(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        if "integrity_check" in statement:
            raise sqlite3.OperationalError(error)

    event.listen(Engine, "before_cursor_execute", hook)
    try:
        run = in_process(agency, "doctor", "--json")
    finally:
        event.remove(Engine, "before_cursor_execute", hook)
    assert run.exit_code == 1
    failed = {c["name"]: c["detail"] for c in json.loads(run.stdout)["checks"] if not c["ok"]}
    assert failed == {name: detail.format(db=agency)}


def test_doctor_on_each_page_damaged_in_turn_says_what_it_found(agency: Path, tmp_path: Path) -> None:
    checkpoint(agency)
    for extra in ("-wal", "-shm"):
        Path(f"{agency}{extra}").unlink(missing_ok=True)
    data = agency.read_bytes()
    page = int.from_bytes(data[16:18], "big")
    found: dict[str, set[str]] = {"integrity": set(), "database": set()}
    for number in range(1, len(data) // page):
        copy = tmp_path / f"page-{number}.db"
        start = number * page + 8
        copy.write_bytes(data[:start] + b"\x00\x99\x00\x77" * 50 + data[start + 200:])
        run = in_process(copy, "doctor", "--json")
        assert run.exit_code == 1, (number, run.stderr)
        assert run.stdout, (number, run.stderr)
        for check in json.loads(run.stdout)["checks"]:
            if not check["ok"] and check["name"] in found:
                found[check["name"]].add(check["detail"])
    details = found["integrity"] | found["database"]
    # Never a pointer back to doctor, never a finding split over lines.
    assert not [d for d in details if "budgetctl doctor" in d or "\n" in d]
    assert UNCHECKABLE in found["integrity"]
    listed = [d for d in found["integrity"] if d.startswith("On tree page ")]
    assert listed
    # At most five findings, then how many more.
    assert all(d.count("; ") <= 4 or re.search(r" \(and \d+ more\)$", d) for d in listed), listed
    assert any(re.search(r"; .*; .*; .*; .* \(and \d+ more\)$", d) for d in listed), listed


def test_an_empty_schema_stamp_is_damage_in_doctor_and_elsewhere(agency: Path) -> None:
    checkpoint(agency)
    for extra in ("-wal", "-shm"):
        Path(f"{agency}{extra}").unlink(missing_ok=True)
    conn = sqlite3.connect(agency)
    conn.execute("UPDATE alembic_version SET version_num = ''")
    conn.commit()
    conn.close()
    run = in_process(agency, "brand", "list")
    assert (run.exit_code, run.stderr) == (1, "error: the database is damaged (its schema stamp is empty): "
                                              "restore it from a backup; 'budgetctl doctor' shows the details\n")
    run = in_process(agency, "doctor", "--json")
    failed = {c["name"]: c["detail"] for c in json.loads(run.stdout)["checks"] if not c["ok"]}
    assert failed == {"database": "the database is damaged (its schema stamp is empty): restore it from a backup"}


# -- output that cannot be written --------------------------------------------------------------


def run_shell(db: Path, line: str, **extra: str) -> Run:
    """``budgetctl`` run by a shell command line (for redirections such as ``>&-``)."""
    done = subprocess.run(
        ["sh", "-c", line.replace("budgetctl", f"'{BIN}'", 1)], env=proc_env(db, **extra),
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    return Run(done.returncode, done.stdout, done.stderr)


def search_amounts(db: Path) -> list[int]:
    return [r[0] for r in query(db, "SELECT amount FROM spend_entry WHERE campaign_id = "
                                    "(SELECT id FROM campaign WHERE name = 'Search') ORDER BY id")]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_change_is_saved_and_exits_0_when_its_output_cannot_be_written(agency: Path) -> None:
    # A retry after exit 1 would record the spend twice: the work is done, so the exit is 0.
    run = run_shell(agency, "budgetctl spend record Acme Search 1.50 > /dev/full")
    assert (run.exit_code, run.stdout, run.stderr) == (0, "", (
        "warning: the change is saved, but its output could not be written: No space left on device\n"))
    run = run_shell(agency, "budgetctl spend record Acme Search 2.50 >&-")
    assert (run.exit_code, run.stdout, run.stderr) == (0, "", "")
    # A reader that goes away before the end (| head) is no news either.
    run = run_shell(agency, "budgetctl spend record Acme Search 3.50 | (exec 0<&-; true)")
    assert (run.exit_code, run.stderr) == (0, "")
    assert search_amounts(agency) == [60_000_000, 1_500_000, 2_500_000, 3_500_000]
    # A pass that paused campaigns saved that too.
    run = run_shell(agency, "budgetctl spend import --json {tmp} > /dev/full".replace(
        "{tmp}", str(agency.parent / "spend.csv")))
    assert (run.exit_code, run.stderr) == (0, (
        "warning: the change is saved, but its output could not be written: No space left on device\n"))
    assert query(agency, "SELECT COUNT(*) FROM import_batch") == [(1,)]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_output_that_cannot_be_written_fails_a_command_that_only_reads(agency: Path) -> None:
    before = dump(agency)
    run = run_shell(agency, "budgetctl brand list > /dev/full")
    assert (run.exit_code, run.stderr) == (1, "error: cannot write the output: No space left on device\n")
    run = run_shell(agency, "budgetctl spend import --dry-run {tmp} > /dev/full".replace(
        "{tmp}", str(agency.parent / "spend.csv")))
    assert (run.exit_code, run.stderr) == (1, "error: cannot write the output: No space left on device\n")
    # Closed on purpose: nothing to tell.
    assert run_shell(agency, "budgetctl brand list >&-") == Run(0, "", "")
    # A bare command group prints its help and exits 2, as a usage error; here it cannot.
    run = run_shell(agency, "budgetctl brand > /dev/full")
    assert (run.exit_code, run.stderr) == (2, "error: cannot write the output: No space left on device\n")
    assert dump(agency) == before


@pytest.mark.parametrize("form", ["table", "json"])
def test_a_reader_that_stops_reading_fails_a_command_that_only_reads(
    agency: Path, tmp_path: Path, form: str
) -> None:
    # "budgetctl spend list | head -1": the output is megabytes, written at once; the reader
    # takes a few bytes and goes away. A read-only command whose output was not all read
    # exits 1 (the one large write was dropped without an error, and it exited 0).
    big = tmp_path / "big.csv"
    big.write_text("date,brand,campaign,amount,id\n" + "".join(
        f"2026-11-2{i % 4},Acme,Search,0.01,b{i}\n" for i in range(5_000)), encoding="utf-8")
    assert run_bin(agency, "spend", "import", str(big), "--quiet").exit_code == 0
    args = [BIN, "spend", "list", "--limit", "5000"] + (["--json"] if form == "json" else [])
    proc = subprocess.Popen(args, env=proc_env(agency), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    assert len(proc.stdout.read(10)) == 10
    proc.stdout.close()
    err = proc.stderr.read()
    assert (proc.wait(timeout=60), err) == (1, b"")  # a reader that went away needs no message


def test_a_table_keeps_every_figure_whole_on_any_width(agency: Path) -> None:
    long = "Acme Holdings International Worldwide Limited Partnership of Brands"
    assert run_bin(agency, "brand", "add", long, "--daily", "1234567.89", "--monthly", "none",
                   "--tz", "America/Argentina/ComodRivadavia").exit_code == 0  # fmt: skip
    wide = run_bin(agency, "brand", "list")
    assert wide.stdout.splitlines()[1:] == [
        f"{'Acme':<{len(long)}}        100.00  1,000.00  USD       {'UTC':<32}",
        f"{long}  1,234,567.89      none  USD       America/Argentina/ComodRivadavia",
    ]
    # No terminal size (0), a narrow terminal, cron's default: the same lines, never "1,234,5…".
    for columns in ("0", "40", ""):
        assert run_bin(agency, "brand", "list", COLUMNS=columns) == wide


def test_a_closed_standard_input_is_named_not_read(agency: Path) -> None:
    before = dump(agency)
    for command in ("spend import -", "campaign import -", "brand import -"):
        run = run_shell(agency, f"budgetctl {command} <&-")
        assert (run.exit_code, run.stdout, run.stderr) == (1, "", (
            "error: standard input is closed: pipe the file in ('... | budgetctl ... -') or "
            "name it\n"))
    assert dump(agency) == before
    # A command that does not read it does not mind.
    assert run_shell(agency, "budgetctl spend record Acme Search 4.50 <&-").exit_code == 0
    assert search_amounts(agency) == [60_000_000, 4_500_000]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_init_that_cannot_say_so_still_created_the_database(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    run = run_shell(db, "budgetctl init > /dev/full")
    assert (run.exit_code, run.stderr) == (0, (
        "warning: the change is saved, but its output could not be written: No space left on device\n"))
    assert run_bin(db, "brand", "list").exit_code == 0


def test_names_an_ascii_terminal_cannot_show_are_escaped_not_a_failure(agency: Path) -> None:
    run = run_bin(agency, "campaign", "add", "Acme", "Café", PYTHONIOENCODING="ascii")
    assert (run.exit_code, run.stdout, run.stderr) == (0, "added campaign Acme / Caf\\xe9\n", "")
    assert query(agency, "SELECT name FROM campaign ORDER BY id") == [("Search",), ("Night",), ("Café",)]
    run = run_bin(agency, "campaign", "list", "--json", PYTHONIOENCODING="ascii")
    assert run.exit_code == 0 and "\\u00e9" in run.stdout
    assert [c["campaign"] for c in json.loads(run.stdout)] == ["Café", "Night", "Search"]
    # A table lays the escaped name out at the width it prints at: the columns stay aligned.
    run = run_bin(agency, "campaign", "list", "--brand", "Acme", PYTHONIOENCODING="ascii")
    assert run.exit_code == 0, run.stderr
    header, *rows = run.stdout.splitlines()
    assert [r.split()[1] for r in rows] == ["Caf\\xe9", "Night", "Search"]
    state = header.index("state")
    assert [r[state : state + 7] for r in rows] == ["active "] * 3, run.stdout
    run = run_bin(agency, "campaign", "add", "Acme", "Café", PYTHONIOENCODING="ascii")
    assert (run.exit_code, run.stderr) == (1, (
        "error: brand 'Acme' already has a campaign named 'Caf\\xe9'\n"))


# -- crash: SIGKILL at several points ---------------------------------------------------------


def _open_fd(pid: int, path: Path) -> int:
    """The process's descriptor for ``path``, or -1 (read from /proc)."""
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == str(path):
                    return int(fd.name)
            except OSError:
                continue
    except OSError:
        pass
    return -1


def _csv_offset(pid: int, csv_path: Path) -> int:
    """How far the process has read into ``csv_path`` (its file offset), or -1."""
    fd = _open_fd(pid, csv_path)
    try:
        for line in Path(f"/proc/{pid}/fdinfo/{fd}").read_text().splitlines():
            if line.startswith("pos:"):
                return int(line.split()[1])
    except OSError:
        pass
    return -1




@pytest.mark.parametrize(("signum", "code", "word"), [(signal.SIGINT, 130, "interrupted"),
                                                     (signal.SIGTERM, 143, "terminated")])
def test_a_signal_in_an_import_says_nothing_was_written(
    agency: Path, tmp_path: Path, signum: int, code: int, word: str
) -> None:
    # Ctrl-C, or cron's timeout and `systemctl stop` (SIGTERM used to end the process
    # without a word, whether or not the change had gone in).
    big = tmp_path / "big.csv"
    with big.open("w", encoding="utf-8") as f:
        f.write("date,brand,campaign,amount,id\n")
        for i in range(300_000):
            f.write(f"2026-11-{1 + i % 24:02d},Acme,Search,0.{i % 100:02d},row-{i}\n")
    before = dump(agency)
    proc = subprocess.Popen([BIN, "spend", "import", str(big)], env=proc_env(agency),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sent = False
    while proc.poll() is None:
        if _csv_offset(proc.pid, big) > 0:  # reading the rows
            proc.send_signal(signum)
            sent = True
            break
        time.sleep(0.002)
    out, err = proc.communicate(timeout=120)
    assert sent, f"the import finished before the signal could be sent: {out}{err}"
    assert (proc.returncode, out, err) == (code, "", f"error: {word}: nothing was written\n")
    assert dump(agency) == before


def test_ctrl_c_after_the_change_was_saved_says_so(agency: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from budgetctl.cli import render

    def interrupt(line: str = "") -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(render, "out", interrupt)  # Ctrl-C while it prints what it did
    run = in_process(agency, "spend", "record", "Acme", "Search", "2.50")
    assert (run.exit_code, run.stdout, run.stderr) == (
        130, "", "error: interrupted after the change was saved ('budgetctl history' shows it)\n")
    assert search_amounts(agency) == [60_000_000, 2_500_000]


def test_ctrl_c_as_the_commit_returns_says_the_change_was_saved(
    agency: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real SIGINT, sent to this process the moment SQLite's COMMIT has returned: the change
    # is in, and the command must say so (it said "nothing was written").
    import sqlalchemy.engine.default as default

    real = default.DefaultDialect.do_commit

    def commit_then_ctrl_c(self: Any, dbapi_connection: Any) -> None:
        real(self, dbapi_connection)
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(default.DefaultDialect, "do_commit", commit_then_ctrl_c)
    run = in_process(agency, "spend", "record", "Acme", "Search", "2.50")
    assert (run.exit_code, run.stdout, run.stderr) == (
        130, "", "error: interrupted after the change was saved ('budgetctl history' shows it)\n")
    assert search_amounts(agency) == [60_000_000, 2_500_000]


CTRL_C_IN_CLOSE = """
import sqlalchemy.engine.default as default
from budgetctl.store.db import commits
real = default.DefaultDialect.do_close
def close_then_ctrl_c(self, dbapi_connection):
    real(self, dbapi_connection)
    if commits():  # the write's connection (its checkpoint), not a read's
        raise KeyboardInterrupt
default.DefaultDialect.do_close = close_then_ctrl_c
from budgetctl.cli.app import main
main()
"""


def test_ctrl_c_while_the_saved_change_s_connection_closes_is_one_line(agency: Path) -> None:
    # A process of its own: SQLAlchemy's pool logged this interrupt with a traceback, on the
    # stderr of a process without logging set up (what cron runs).
    proc = subprocess.run([sys.executable, "-c", CTRL_C_IN_CLOSE, "spend", "record", "Acme", "Search",
                           "2.50"], env=proc_env(agency), capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        130, "", "error: interrupted after the change was saved ('budgetctl history' shows it)\n")
    assert search_amounts(agency) == [60_000_000, 2_500_000]


SIGNAL_AS_COMMIT_RETURNS = """
import os, signal, sys
import sqlalchemy.engine.default as default
names, _, nth = sys.argv.pop(1).partition("@")  # SIGTERM, SIGINT,SIGTERM, SIGTERM@2
SIGNALS = [getattr(signal, name) for name in names.split(",")]
commits = []
real = default.DefaultDialect.do_commit
def commit_then_signal(self, dbapi_connection):
    real(self, dbapi_connection)
    commits.append(1)
    if len(commits) == int(nth or 1):
        for signum in SIGNALS:
            os.kill(os.getpid(), signum)
default.DefaultDialect.do_commit = commit_then_signal
from budgetctl.cli import main
main()
"""


@pytest.mark.parametrize(("names", "code", "word"), [("SIGTERM", 143, "terminated"),
                                                     ("SIGINT", 130, "interrupted"),
                                                     ("SIGINT,SIGTERM", 143, "terminated")])
def test_a_signal_as_the_commit_returns_says_the_change_was_saved(
    agency: Path, names: str, code: int, word: str
) -> None:
    # The console script's own process: SIGTERM's handler is the entry point's. Both held
    # back by the commit: SIGTERM is not lost behind the Ctrl-C.
    proc = subprocess.run([sys.executable, "-c", SIGNAL_AS_COMMIT_RETURNS, names, "spend", "record",
                           "Acme", "Search", "2.50"], env=proc_env(agency), capture_output=True,
                          text=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        code, "", f"error: {word} after the change was saved ('budgetctl history' shows it)\n")
    assert search_amounts(agency) == [60_000_000, 2_500_000]


def test_init_stopped_as_its_commit_returns_says_the_database_is_made(tmp_path: Path) -> None:
    db = tmp_path / "new.db"  # (its first commit, before the schema's, writes nothing)
    proc = subprocess.run([sys.executable, "-c", SIGNAL_AS_COMMIT_RETURNS, "SIGTERM@2", "init"],
                          env=proc_env(db), capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        143, "", "error: terminated after the change was saved ('budgetctl doctor' shows it)\n")
    assert query(db, "SELECT COUNT(*) FROM pass_run WHERE name = 'init'") == [(1,)]


@pytest.mark.parametrize(("nth", "said"), [
    (2, "terminated: nothing was copied ({} holds at most an empty budgetctl schema: run the copy again)"),
    (3, "terminated after the change was saved (the copy in {} is complete and verified)")])
def test_db_copy_stopped_as_a_commit_returns_says_what_the_target_holds(
    agency: Path, tmp_path: Path, nth: int, said: str
) -> None:
    # Its second commit is the new target's schema, its third the copy.
    target = tmp_path / "copy.db"
    proc = subprocess.run([sys.executable, "-c", SIGNAL_AS_COMMIT_RETURNS, f"SIGTERM@{nth}", "db", "copy",
                           "--to", str(target)], env=proc_env(agency), capture_output=True, text=True,
                          timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (143, "", f"error: {said.format(target)}\n")
    assert query(target, "SELECT COUNT(*) FROM brand") == [(0 if nth == 2 else 1,)]


SIGNAL_DROPPED_IN_A_FINALIZER = """
import signal
import sqlalchemy.engine.default as default
class Finalized:
    def __del__(self):  # Python prints and drops an exception raised here
        signal.raise_signal(signal.SIGTERM)
real = default.DefaultDialect.do_execute
def execute(self, cursor, statement, parameters, context=None):
    if statement.lstrip().upper().startswith("INSERT INTO SPEND_ENTRY"):
        Finalized()  # collected at once: the signal's exception is dropped
    return real(self, cursor, statement, parameters, context)
default.DefaultDialect.do_execute = execute
from budgetctl.cli import main
main()
"""


def test_a_signal_whose_exception_python_dropped_still_stops_the_command(agency: Path) -> None:
    # It used to be printed as "Exception ignored" with a traceback, and the command ran on
    # to commit and exit 0: a timeout's SIGTERM was lost.
    proc = subprocess.run([sys.executable, "-c", SIGNAL_DROPPED_IN_A_FINALIZER, "spend", "record",
                           "Acme", "Search", "2.50"], env=proc_env(agency), capture_output=True,
                          text=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        143, "", "error: terminated: nothing was written\n")
    assert search_amounts(agency) == [60_000_000]


SIGNAL_WHILE_LOADING = """
import sys
class Interrupt:
    def find_spec(self, name, path=None, target=None):
        if name == "typer":  # the first heavy module the command line loads
            raise KeyboardInterrupt
sys.meta_path.insert(0, Interrupt())
from budgetctl.cli import main
main()
"""


def test_ctrl_c_while_the_modules_load_is_one_line(agency: Path) -> None:
    before = dump(agency)
    proc = subprocess.run([sys.executable, "-c", SIGNAL_WHILE_LOADING, "brand", "list"],
                          env=proc_env(agency), capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        130, "", "error: interrupted: nothing was written\n")
    assert dump(agency) == before


def test_ctrl_c_in_db_copy_says_nothing_was_copied(
    agency: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The target's schema is committed first; the copy is not, and a second run makes it.
    import budgetctl.services.copy as copy

    def interrupt(*_args: Any) -> None:
        raise KeyboardInterrupt

    target = tmp_path / "copy.db"
    with monkeypatch.context() as patched:
        patched.setattr(copy, "_refuse_held", interrupt)
        run = in_process(agency, "db", "copy", "--to", str(target))
    assert (run.exit_code, run.stdout, run.stderr) == (130, "", (
        f"error: interrupted: nothing was copied ({target} holds at most an empty budgetctl schema: "
        "run the copy again)\n"))
    assert query(target, "SELECT COUNT(*) FROM brand") == [(0,)]
    again = in_process(agency, "db", "copy", "--to", str(target))
    assert again.exit_code == 0, again.stderr
    assert query(target, "SELECT name FROM brand") == [("Acme",)]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1


def kill_when(proc: subprocess.Popen[bytes], ready: Callable[[], bool]) -> bool:
    """SIGKILL ``proc`` as soon as ``ready()`` (polled, every 2 ms); False if it ended first."""
    deadline = time.monotonic() + 300
    while proc.poll() is None:
        if ready():
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("the command neither finished nor reached the kill point")
        time.sleep(0.002)  # a polling interval, not a synchronisation
    return False


CRASH_ROWS = 200_000


@pytest.fixture(scope="module")
def crash_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    """A database with Acme / Search and a 200,000-row generic CSV with ids."""
    base = tmp_path_factory.mktemp("crash")
    db = base / "template.db"
    assert run_bin(db, "init").exit_code == 0
    assert run_bin(db, "brand", "add", "Acme", "--daily", "none", "--monthly", "none").exit_code == 0
    assert run_bin(db, "campaign", "add", "Acme", "Search").exit_code == 0
    total = big_generic_csv(base / "big.csv", CRASH_ROWS)
    return db, base / "big.csv", total


IMPORT_KILLS = {
    # name: (when to kill, committed?)
    "reading-the-file": (lambda db, csv_path, pid: _csv_offset(pid, csv_path) >= 3_000_000, False),
    "writing-the-ledger": (lambda db, csv_path, pid: _size(Path(f"{db}-wal")) >= 8_000_000, False),
    "checkpointing": (lambda db, csv_path, pid: _size(db) > 4_000_000, True),
}


@pytest.mark.slow
@pytest.mark.parametrize("point", list(IMPORT_KILLS))
def test_import_killed_is_all_or_nothing_and_a_rerun_is_exact(
    point: str, crash_template: tuple[Path, Path, int], tmp_path: Path
) -> None:
    template, csv_path, total = crash_template
    db = tmp_path / "budget.db"
    shutil.copy(template, db)
    ready, committed = IMPORT_KILLS[point]
    proc = subprocess.Popen(
        [BIN, "spend", "import", str(csv_path)], env=proc_env(db),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    killed = kill_when(proc, lambda: ready(db, csv_path, proc.pid))
    assert killed or committed, f"{point}: the import finished before the kill point"
    assert integrity(db) == ["ok"]
    batches, entries, amount = query(
        db, "SELECT (SELECT COUNT(*) FROM import_batch), COUNT(*), COALESCE(SUM(amount), 0) "
        "FROM spend_entry")[0]
    if committed:
        assert (batches, entries, amount) == (1, CRASH_ROWS, total)
    else:
        assert (batches, entries, amount) == (0, 0, 0)
    run = run_bin(db, "spend", "import", str(csv_path), "--json")
    assert run.exit_code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["entries_written"] == (0 if committed else CRASH_ROWS)
    assert report["unchanged"] == (CRASH_ROWS if committed else 0)
    assert query(db, "SELECT COUNT(*), SUM(amount) FROM spend_entry") == [(CRASH_ROWS, total)]
    assert query(db, "SELECT COUNT(*) FROM import_batch") == [(2 if committed else 1,)]
    assert integrity(db) == ["ok"]


PASS_CAMPAIGNS = 10_000


@pytest.fixture(scope="module")
def pass_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """10,000 campaigns on a 09:00-17:00 schedule, all active at 10:00."""
    base = tmp_path_factory.mktemp("pass")
    db = base / "template.db"
    rows = "".join(f"Acme,C{i:05d},,daily 09:00-17:00\n" for i in range(PASS_CAMPAIGNS))
    (base / "campaigns.csv").write_text("brand,name,external_id,schedule\n" + rows, encoding="utf-8")
    now = "2026-11-25T10:00:00+00:00"
    assert run_bin(db, "init").exit_code == 0
    assert run_bin(db, "brand", "add", "Acme", "--daily", "none", "--monthly", "none",
                   now=now).exit_code == 0
    run = run_bin(db, "campaign", "import", str(base / "campaigns.csv"), now=now)
    assert run.exit_code == 0, run.stderr
    assert query(db, "SELECT state, COUNT(*) FROM campaign GROUP BY state") == [
        ("active", PASS_CAMPAIGNS)
    ]
    return db


PASS_KILLS = {
    # name: (when to kill, given the database, the pid and the file's size before; committed?)
    "database-open": (lambda db, pid, initial: _open_fd(pid, db) >= 0, False),
    "writing": (lambda db, pid, initial: _size(Path(f"{db}-wal")) >= 1_000_000, False),
    "checkpointing": (lambda db, pid, initial: _size(db) > initial, True),
}


@pytest.mark.slow
@pytest.mark.parametrize("point", list(PASS_KILLS))
def test_enforce_killed_is_all_or_nothing_and_a_rerun_is_exact(
    point: str, pass_template: Path, tmp_path: Path
) -> None:
    db = tmp_path / "budget.db"
    shutil.copy(pass_template, db)
    initial = db.stat().st_size
    ready, committed = PASS_KILLS[point]
    proc = subprocess.Popen(
        [BIN, "enforce"], env=proc_env(db), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    killed = kill_when(proc, lambda: ready(db, proc.pid, initial))
    assert killed or committed, f"{point}: enforce finished before the kill point"
    assert integrity(db) == ["ok"]
    states = query(db, "SELECT state, COUNT(*) FROM campaign GROUP BY state")
    events = query(db, "SELECT COUNT(*) FROM event WHERE kind = 'state'")[0][0]
    runs = query(db, "SELECT COUNT(*) FROM pass_run WHERE name = 'enforce'")[0][0]
    if committed:
        assert (states, events, runs) == ([("paused", PASS_CAMPAIGNS)], PASS_CAMPAIGNS, 1)
    else:
        assert (states, events, runs) == ([("active", PASS_CAMPAIGNS)], 0, 0)
    run = run_bin(db, "enforce", "--json")
    assert run.exit_code == 0, run.stderr
    assert len(json.loads(run.stdout)["changes"]) == (0 if committed else PASS_CAMPAIGNS)
    assert query(db, "SELECT state, COUNT(*) FROM campaign GROUP BY state") == [
        ("paused", PASS_CAMPAIGNS)
    ]
    assert assert_events_alternate(db) == PASS_CAMPAIGNS
    assert dry_run_changes(db) == []
    assert integrity(db) == ["ok"]


# -- contention: real processes at once -----------------------------------------------------------

BRANDS = {"Alpha": 100_000_000, "Beta": 250_000_000}  # daily budgets, micros
CAMPAIGNS = [("Alpha", "A1"), ("Alpha", "A2"), ("Beta", "B1"), ("Beta", "B2")]


def spend_for(key: str) -> tuple[str, str, int]:
    """The campaign and amount of a key: a retry anywhere repeats them exactly."""
    digest = hashlib.sha256(key.encode()).digest()
    brand, campaign = CAMPAIGNS[digest[0] % len(CAMPAIGNS)]
    micros = 20_000_000 + int.from_bytes(digest[1:4], "big") % 40_000_000
    if digest[4] % 3 == 0:
        micros = -micros  # refunds move the brand back under its budget
    return brand, campaign, micros


def worker_keys(worker: int, workers: int, per_worker: int) -> list[str]:
    """Own keys, with every fifth command a retry of the next worker's key."""
    keys = []
    for j in range(per_worker):
        if j % 5 == 4:
            keys.append(f"w{(worker + 1) % workers}-{j - 4}")
        else:
            keys.append(f"w{worker}-{j}")
    return keys


@pytest.mark.parametrize(
    ("workers", "per_worker", "enforcers", "import_rows"),
    [
        pytest.param(4, 10, 1, 200, id="4x10"),
        pytest.param(8, 50, 2, 2000, id="8x50", marks=pytest.mark.slow),
    ],
)
def test_concurrent_spend_passes_and_import_are_exact(
    workers: int, per_worker: int, enforcers: int, import_rows: int, ready: Cli, db_path: Path,
    tmp_path: Path,
) -> None:
    for brand, daily in BRANDS.items():
        ready.ok("brand", "add", brand, "--daily", format_exact(daily), "--monthly", "none", now=NOW)
    for brand, campaign in CAMPAIGNS:
        ready.ok("campaign", "add", brand, campaign, now=NOW)
    import_total: dict[str, int] = dict.fromkeys(BRANDS, 0)
    lines = ["date,brand,campaign,amount,id"]
    for i in range(import_rows):
        brand, campaign, micros = spend_for(f"import-{i}")
        import_total[brand] += micros
        lines.append(f"2026-11-25,{brand},{campaign},{format_exact(micros)},imp-{i}")
    (tmp_path / "import.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    expected = dict(import_total)
    unique = {k for w in range(workers) for k in worker_keys(w, workers, per_worker)}
    for key in unique:
        brand, _, micros = spend_for(key)
        expected[brand] += micros

    env = proc_env(db_path)
    start = threading.Barrier(workers + enforcers + 1)
    spenders_done = threading.Event()
    results: list[tuple[list[str], subprocess.CompletedProcess[str]]] = []
    lock = threading.Lock()

    def run(args: list[str]) -> None:
        done = subprocess.run([BIN, *args], env=env, capture_output=True, text=True, check=False)
        with lock:
            results.append((args, done))

    def spender(worker: int) -> None:
        start.wait()
        for key in worker_keys(worker, workers, per_worker):
            brand, campaign, micros = spend_for(key)
            run(["spend", "record", brand, campaign, "--key", key, "--", format_exact(micros)])

    def enforcer() -> None:
        start.wait()
        while not spenders_done.is_set():
            run(["enforce"])

    def importer() -> None:
        start.wait()
        run(["spend", "import", str(tmp_path / "import.csv")])

    spenders = [threading.Thread(target=spender, args=(w,)) for w in range(workers)]
    others = [threading.Thread(target=enforcer) for _ in range(enforcers)]
    others.append(threading.Thread(target=importer))
    for t in spenders + others:
        t.start()
    for t in spenders:
        t.join()
    spenders_done.set()
    for t in others:
        t.join()

    failures = [(a, r.returncode, r.stderr) for a, r in results if r.returncode or r.stderr]
    assert failures == []
    records = [r for a, r in results if a[:2] == ["spend", "record"]]
    assert len(records) == workers * per_worker
    assert sum(r.stdout.startswith("already recorded") for r in records) == len(records) - len(unique)
    assert sum(a[0] == "enforce" for a, _ in results) >= enforcers
    # The ledger is exact to the micro.
    got = dict(query(db_path, "SELECT b.name, SUM(s.amount) FROM spend_entry s "
                              "JOIN brand b ON b.id = s.brand_id GROUP BY b.name"))
    assert got == expected
    assert query(db_path, "SELECT COUNT(*) FROM spend_entry WHERE source = 'manual'") == [(len(unique),)]
    assert query(db_path, "SELECT COUNT(*) FROM spend_entry WHERE source = 'import'") == [(import_rows,)]
    assert query(db_path, "SELECT COUNT(*) FROM event WHERE kind = 'spend.duplicate'") == [
        (len(records) - len(unique),)
    ]
    # One event per state change, chained to the final state; no state the rule forbids.
    assert assert_events_alternate(db_path) >= 1
    for name, state in query(db_path, "SELECT c.name, c.state FROM campaign c"):
        brand = next(b for b, c in CAMPAIGNS if c == name)
        assert state == ("paused" if expected[brand] >= BRANDS[brand] else "active"), name
    assert dry_run_changes(db_path) == []
    assert integrity(db_path) == ["ok"]


# -- hostile input (Hypothesis) -------------------------------------------------------------------


@pytest.fixture(scope="module")
def import_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("fuzz")
    db = base / "template.db"
    cli = Cli(db)
    for args in (["init"], ["brand", "add", "Acme", "--daily", "100", "--monthly", "none"],
                 ["campaign", "add", "Acme", "Search", "--external-id", "111"],
                 ["campaign", "add", "Acme", "Display"]):
        assert cli(*args, now=NOW).exit_code == 0
    checkpoint(db)
    return db


CELLS = st.one_of(
    st.sampled_from([
        "2026-11-25", "2026-11-24", "25/11/2026", "2026-11-25T10:00:00Z", "2099-01-01", "Nov 25",
        "Acme", "acme ", "Search", " search", "Display", "Nope", "111", "12.50", "1,234.56", "--",
        "", "-3", "1e3", "NaN", "inf", "0.0000001", "9" * 30, "USD", "EUR", "usd",
        "Total: 12.00", "Total", "© 2026 Google", '"', '""', "'", "\\", "\x00", "\r", "\n",
        "[red]x[/red]", "=cmd|' /C calc'!A0", "\u202eevil",
    ]),
    st.text(max_size=20),
    st.sampled_from([1000, 140_000]).map(lambda n: "x" * n),
)
HEADERS = st.sampled_from([
    "date", "Day", "brand", "campaign", "Campaign", "Campaign name", "amount", "Cost", "spend",
    "id", "currency", "Currency code", "note", "Campaign ID", "Amount spent (USD)",
    "Reporting starts", "Reporting ends", "Gregorian date", "TimePeriod", "Spend", "",
])


@st.composite
def csv_bytes(draw: st.DrawFn) -> bytes:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=3000))
    delimiter = draw(st.sampled_from([",", "\t", ";", "|"]))
    quote_all = draw(st.booleans())
    out = io.StringIO()
    for line in draw(st.lists(st.text(max_size=40), max_size=3)):  # preamble
        out.write(line.replace("\n", " ") + "\n")
    writer = csv.writer(out, delimiter=delimiter,
                        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    width = draw(st.integers(1, 7))
    writer.writerow(draw(st.lists(HEADERS, min_size=width, max_size=width)))
    for _ in range(draw(st.integers(0, 6))):
        writer.writerow(draw(st.lists(CELLS, min_size=0, max_size=width + 1)))
    if draw(st.booleans()):
        writer.writerow(["Total", "", "12.00"])
    text = out.getvalue()
    if draw(st.booleans()):
        text = text.replace("\r\n", "\n")
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "latin-1",
                                     "cp1252"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 4)) == 0:
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.binary(max_size=20)) + data[cut:]
    return data


PROBLEM_LINE = re.compile(r"  (?:\S.*?(?::\d+)?: .+|\.\.\. and \d+ more)")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=csv_bytes())
def test_hostile_csv_never_crashes_and_a_refusal_writes_nothing(
    data: bytes, import_template: Path
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "budget.db"
        shutil.copy(import_template, db)
        path = Path(tmp) / "export.csv"
        path.write_bytes(data)
        before = dump(db)
        run = in_process(db, "spend", "import", str(path), "--json")
        assert run.exit_code in (0, 1), run
        assert "Traceback" not in run.stdout + run.stderr
        if run.exit_code == 1:
            assert run.stderr.startswith("error: "), run.stderr
            assert "unexpected" not in run.stderr, run.stderr
            for line in run.stderr.splitlines()[1:]:
                assert PROBLEM_LINE.fullmatch(line), line
            assert dump(db) == before
        else:
            assert run.stderr == ""
            report = json.loads(run.stdout)
            assert query(db, "SELECT COUNT(*) FROM spend_entry WHERE batch_id = ?",
                         report["batch"]) == [(report["entries_written"],)]


@settings(max_examples=2000, deadline=None)
@given(st.integers(min_value=-MAX_MICROS, max_value=MAX_MICROS))
def test_money_text_round_trips_every_amount(micros: int) -> None:
    text = format_exact(micros)
    assert parse_micros(text) == micros
    assert re.fullmatch(r"-?\d+\.\d{2,6}", text)


def test_money_text_refuses_one_past_the_largest_amount() -> None:
    assert parse_micros(format_exact(MAX_MICROS)) == MAX_MICROS
    assert parse_micros(format_exact(-MAX_MICROS)) == -MAX_MICROS
    for text in ("1000000000000.000000", "-1000000000000"):
        with pytest.raises(InvalidValue, match="too large"):
            parse_micros(text)


# Names may hold anything printable, and the joiners; control characters and the other
# characters that show as nothing are refused (test_catalog).
NAMES = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Cf")) | st.sampled_from("\u200c\u200d"),
    min_size=1, max_size=40,
).filter(lambda s: s.strip() != "") | st.sampled_from([
    "[red]Acme[/red]", "[/]", "[bold", "O'Brien \"Ads\"", "<script>alert(1)</script>",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467", "שלום עולם", "مرحبا", "ｆｕｌｌ ｗｉｄｔｈ", "Cafe\u0301",
    "-starts-with-dash", "100%", "{braces}", "`tick`",
])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(brand=NAMES, campaign=NAMES)
def test_hostile_names_survive_every_command_exactly(
    brand: str, campaign: str, import_template: Path
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "budget.db"
        shutil.copy(import_template, db)
        b, c = brand.strip(), campaign.strip()
        cli = Cli(db)

        def ok(*args: str) -> Run:
            run = cli(*args, now=NOW)
            assert run.exit_code == 0, (args, run.stderr)
            assert "Traceback" not in run.stderr
            return run

        assume(name_key(b) != "acme")
        ok("brand", "add", "--daily", "100", "--monthly", "none", "--", brand)
        ok("campaign", "add", "--", b, campaign)
        ok("spend", "record", "--key", "k", "--", b, c, "12.345678")
        ok("spend", "record", "--key", "k", "--", b, c, "12.345678")  # a retry records once
        assert sorted(x["brand"] for x in json.loads(ok("brand", "list", "--json").stdout)) == (
            sorted(["Acme", b])
        )
        listed = json.loads(ok("campaign", "list", f"--brand={b}", "--json").stdout)
        assert [(x["brand"], x["campaign"]) for x in listed] == [(b, c)]
        status = {x["brand"]: x for x in json.loads(ok("status", "--json").stdout)}
        assert status[b]["daily_spend"] == "12.345678"
        spend = json.loads(ok("spend", "list", f"--brand={b}", "--json").stdout)
        assert [(x["brand"], x["campaign"], x["amount"]) for x in spend] == [(b, c, "12.345678")]
        events = json.loads(ok("history", f"--brand={b}", "--json").stdout)
        assert {e["brand"] for e in events} == {b}
        assert c in {e["campaign"] for e in events}
        # Rich tables render the same names without restyling or crashing.
        ok("brand", "list")
        ok("campaign", "list")
        ok("status")
        ok("history")

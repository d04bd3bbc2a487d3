"""``budgetctl demo``: the sample agency, and never inside a database that is in use."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Cli, dump, query

from budgetctl.store.schema import HEAD_REVISION

BIN = Path(sys.executable).parent / "budgetctl"


def test_demo_builds_the_sample_agency_in_the_database_it_is_given(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    run = subprocess.run([str(BIN), "demo", "--db", str(db)], capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "NO_COLOR": "1"},
                         timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert run.stdout.splitlines()[0] == f"created database {db} (schema revision {HEAD_REVISION})"
    assert run.stdout.splitlines()[-2:] == [
        f"demo database: {db}", f"try: budgetctl --db {db} campaign list"]
    retried = run.stdout.splitlines().index(
        "== Tue 16:50 UTC: the same invoice is retried: recorded once")
    assert run.stdout.splitlines()[retried + 1] == (
        "   already recorded as entry #7 (key inv-4411): nothing written")
    assert query(db, "SELECT COUNT(*) FROM spend_entry WHERE idem_key = 'manual:inv-4411'") == [(1,)]
    assert query(db, "SELECT id, format, rows, entries_written, net_amount FROM import_batch") == [
        (1, "google-ads", 3, 3, 1_128_500_000), (2, "generic", 3, 3, 1_052_500_000)]
    assert query(db, "SELECT SUM(amount) FROM spend_entry") == [(2_211_000_000,)]
    assert query(db, "SELECT name, state, reasons FROM campaign ORDER BY id") == [
        ("Acme - Search", "active", ""),
        ("Acme - Display", "paused", "outside_schedule"),
        ("Globex - Prospecting", "active", ""),
        ("Globex - Retargeting", "active", ""),
        ("Initech - Brand", "paused", "held"),
        ("Initech - Generic", "paused", "outside_schedule"),
    ]


def test_demo_takes_the_global_db_option_but_not_the_environment(tmp_path: Path) -> None:
    db, env_db = tmp_path / "global.db", tmp_path / "env.db"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "NO_COLOR": "1", "BUDGETCTL_DB": str(env_db)}
    run = subprocess.run([str(BIN), "--db", str(db), "demo"], capture_output=True, text=True, env=env,
                         timeout=120, check=False)
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout.splitlines()[-2:] == [f"demo database: {db}", f"try: budgetctl --db {db} campaign list"]
    assert query(db, "SELECT COUNT(*) FROM brand") == [(3,)]
    # $BUDGETCTL_DB alone names the operator's real database: the demo goes to a temporary one.
    run = subprocess.run([str(BIN), "demo"], capture_output=True, text=True, env=env, timeout=120, check=False)
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout.splitlines()[0].startswith("created database /")
    assert str(env_db) not in run.stdout
    assert not env_db.exists()


def test_demo_runs_in_a_freshly_initialised_database(cli: Cli, db_path: Path) -> None:
    cli.ok("init")
    run = cli("demo", "--db", str(db_path))
    assert run.exit_code == 0, run.stderr
    assert run.stdout.splitlines()[0] == (
        f"database {db_path} is up to date (schema revision {HEAD_REVISION})")
    assert query(db_path, "SELECT COUNT(*) FROM brand") == [(3,)]


def test_demo_refuses_a_database_in_use_and_changes_nothing(cli: Cli, db_path: Path) -> None:
    cli.ok("init")
    cli.ok("brand", "add", "Client", "--daily", "10", "--monthly", "100")
    before = dump(db_path)
    run = cli("demo", "--db", str(db_path))
    assert run.exit_code == 1
    assert run.stdout == ""
    assert run.stderr == (
        f"error: demo builds its sample agency in a new database, and {db_path} is in use: "
        "name a new file with --db, or leave --db out for a temporary one\n")
    assert dump(db_path) == before


def test_demo_refuses_another_applications_database(cli: Cli, db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER)")
        conn.execute("INSERT INTO invoices VALUES (1, 250)")
    conn.close()
    before = dump(db_path)
    run = cli("demo", "--db", str(db_path))
    assert run.exit_code == 1
    assert run.stderr == (
        f"error: demo builds its sample agency in a new database, and {db_path} is in use: "
        "name a new file with --db, or leave --db out for a temporary one\n")
    assert dump(db_path) == before


def test_demo_refuses_an_empty_db_rather_than_taking_a_temporary_one(cli: Cli, tmp_path: Path) -> None:
    """--db "$UNSET" is a mistake to say, not a request for the temporary database."""
    for args in (("demo", "--db", ""), ("--db", " ", "demo")):
        run = cli(*args)
        assert (run.exit_code, run.stdout) == (1, ""), args
        assert run.stderr == (
            "error: --db is empty: name a new database file (leave --db out for a temporary one)\n"
        ), args


def test_demo_stopped_halfway_names_its_database(cli: Cli, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # Not "'budgetctl history' shows it": that reads the default database, not the demo's.
    from budgetctl.cli import render

    real = render.out

    def out(line: str = "") -> None:
        if line.startswith("== "):  # the first step, once the database is made
            raise KeyboardInterrupt
        real(line)

    monkeypatch.setattr(render, "out", out)
    db = tmp_path / "halfway.db"
    run = cli("demo", "--db", str(db))
    assert (run.exit_code, run.stderr) == (
        130, f"error: interrupted after the change was saved (the demo's database {db} holds what "
             "it built so far)\n")
    assert query(db, "SELECT COUNT(*) FROM brand") == [(0,)]

"""Time budgetctl's commands as whole processes, each next to a reference measured in the same run.

    python benchmarks/run.py --scale small|agency|network [--repeat N] [--only CASE[,CASE]]

Every case runs the installed ``budgetctl`` as a child process (what cron and
operators run), once as a warm-up and then ``--repeat`` times. Cases that write
get a fresh copy of the generated database before every run (copied and
fsync'ed outside the timing), so every repetition starts from the same state.
For each case the table shows the median and min-max wall time, the median CPU
time (user + system: steadier than wall time on a busy machine) and the peak
RSS of the child (``os.wait4``), the same figures for its reference, the ratio,
and whether the goal is met.

The data comes from ``benchmarks/generate.py`` and is cached in
``benchmarks/data/`` (git-ignored); it is generated on first use. All commands
run at the benchmark's fixed clock (``BUDGETCTL_NOW``, see ``generate.NOW``).

The exit status is non-zero only when a case fails to run (a command exits
non-zero); a goal that is not met is reported, not failed: these figures are
not tests.

PostgreSQL: ``--engine postgres --db-url postgresql+psycopg://postgres@127.0.0.1:5432/NAME``
loads the generated data into NAME with ``budgetctl db copy`` and gives write
cases a fresh copy with ``CREATE DATABASE ... TEMPLATE NAME``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate

SQLITE3 = shutil.which("sqlite3") or "/usr/bin/sqlite3"
PY = sys.executable


@dataclass
class Sample:
    wall: float
    cpu: float
    rss_kb: int


@dataclass
class Measure:
    samples: list[Sample] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def lo(self) -> float:
        return min(s.wall for s in self.samples)

    @property
    def hi(self) -> float:
        return max(s.wall for s in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples)

    @property
    def rss_mb(self) -> float:
        return max(s.rss_kb for s in self.samples) / 1024


class CaseFailed(Exception):
    pass


def run_child(argv: list[str], env: dict[str, str]) -> Sample:
    """Run one process to completion; its wall time, CPU time and peak RSS (via ``os.wait4``)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, env=env
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            tail = err.read()[-2000:].decode("utf-8", "replace")
            raise CaseFailed(f"{' '.join(argv)} exited {proc.returncode}:\n{tail}")
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


def fresh_copy(src: Path, dst: Path) -> None:
    """Copy a database file, durably, so the timed run does not pay for writing the copy back."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{dst}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(src, dst)
    fd = os.open(dst, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class Step:
    """One timed command, with what must happen before each run (untimed)."""

    argv: Callable[[], list[str]]
    prepare: Callable[[], None] | None = None


@dataclass
class Case:
    name: str
    what: str
    scale: str
    command: Step
    reference: Step
    reference_label: str
    goal_text: str
    goal: Callable[[Measure, Measure], bool]
    goal_scale: str | None = None  # absolute-time goals are set for one scale
    note: str = ""


@dataclass
class Result:
    case: Case
    cmd: Measure | None = None
    ref: Measure | None = None
    error: str | None = None

    def verdict(self) -> str:
        if self.error or self.cmd is None or self.ref is None:
            return "FAILED TO RUN"
        if self.case.goal_scale is not None and self.case.goal_scale != self.case.scale:
            return f"n/a (goal is for {self.case.goal_scale})"
        return "yes" if self.case.goal(self.cmd, self.ref) else "NO"


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.budgetctl = args.budgetctl.split() if args.budgetctl else generate.find_budgetctl()
        args.out.mkdir(parents=True, exist_ok=True)
        self.work = Path(tempfile.mkdtemp(prefix="bench-", dir=args.out))
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("BUDGETCTL_")}
        self.env.update(BUDGETCTL_NOW=generate.NOW_TEXT, BUDGETCTL_ACTOR="bench", NO_COLOR="1")
        self.meta: dict[str, dict] = {}

    # -- data -----------------------------------------------------------------------------

    def data(self, scale: str) -> dict:
        if scale not in self.meta:
            # In a child process: generating grows this process, and a forked child's peak RSS
            # (os.wait4) would then count the parent's memory too.
            argv = [PY, str(Path(generate.__file__)), "--scale", scale, "--out", str(self.args.out)]
            argv += ["--budgetctl", " ".join(self.budgetctl)]
            done = subprocess.run(argv, check=True, stdout=subprocess.PIPE, text=True)
            self.meta[scale] = json.loads(done.stdout)
        return self.meta[scale]

    def db(self, scale: str) -> Path:
        self.data(scale)
        return generate.data_dir(scale, self.args.out) / "budget.db"

    def file(self, scale: str, name: str) -> Path:
        self.data(scale)
        return generate.data_dir(scale, self.args.out) / name

    # -- engines --------------------------------------------------------------------------

    def target(self, scale: str, write: bool) -> tuple[str, Callable[[], None] | None]:
        """The ``--db`` value for a case, and what to do before each run."""
        if self.args.engine == "postgres":
            return self.pg_target(scale, write)
        src = self.db(scale)
        if not write:
            return str(src), None
        dst = self.work / f"{scale}.db"
        return str(dst), lambda: fresh_copy(src, dst)

    def pg_target(self, scale: str, write: bool) -> tuple[str, Callable[[], None] | None]:
        from urllib.parse import urlsplit, urlunsplit

        url = self.args.db_url
        parts = urlsplit(url)
        base = f"{parts.path.lstrip('/') or 'budgetctl_bench'}_{scale}"
        base_url = urlunsplit(parts._replace(path=f"/{base}"))
        if scale not in getattr(self, "_pg_loaded", set()):
            self._pg_loaded = getattr(self, "_pg_loaded", set()) | {scale}
            pg_admin(
                url, f'DROP DATABASE IF EXISTS "{base}" WITH (FORCE)', f'CREATE DATABASE "{base}"'
            )
            print(f"loading {scale} data into PostgreSQL {base} ...", file=sys.stderr, flush=True)
            subprocess.run(
                [*self.budgetctl, "--db", str(self.db(scale)), "db", "copy", "--to", base_url],
                check=True,
                env=self.env,
                stdout=subprocess.DEVNULL,
            )
        if not write:
            return base_url, None
        copy = f"{base}_w"
        copy_url = urlunsplit(parts._replace(path=f"/{copy}"))
        return copy_url, lambda: pg_admin(
            url,
            f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)',
            f'CREATE DATABASE "{copy}" TEMPLATE "{base}"',
        )

    # -- cases ----------------------------------------------------------------------------

    def cases(self) -> list[Case]:
        s = self.args.scale
        status_scale = "agency" if s == "network" else s
        bc = self.budgetctl
        now = generate.NOW_TEXT
        later = (generate.NOW + timedelta(hours=1)).isoformat()

        def budget(scale: str, write: bool, *args: str) -> Step:
            def argv() -> list[str]:
                return [*bc, "--db", state[scale, write][0], *args]

            def prepare() -> None:
                p = state[scale, write][1]
                if p is not None:
                    p()

            return Step(argv, prepare)

        state: dict[tuple[str, bool], tuple[str, Callable[[], None] | None]] = {}

        def need(scale: str, write: bool) -> None:
            if (scale, write) not in state:
                state[scale, write] = self.target(scale, write)

        ref_db = self.work / "reference.db"

        def sqlite_import(name: str, *opts: str) -> Step:
            def argv() -> list[str]:
                return [
                    SQLITE3,
                    str(ref_db),
                    f".import --csv {' '.join(opts)} {self.file(s, name)} t",
                ]

            def prepare() -> None:
                ref_db.unlink(missing_ok=True)

            return Step(argv, prepare)

        def grouped_sum(scale: str) -> Step:
            code = (
                "import sqlite3; c = sqlite3.connect('file:' + __import__('sys').argv[1] + '?mode=ro', uri=True); "
                "c.execute('SELECT brand_id, SUM(amount) FROM spend_entry GROUP BY brand_id').fetchall()"
            )
            return Step(lambda: [PY, "-c", code, str(self.db(scale))])

        start_only = Step(lambda: [PY, "-c", "import sqlite3"])
        heavy_imports = Step(lambda: [PY, "-c", "import typer, rich, sqlmodel"])
        startup_goal = lambda c, r: c.median <= 0.15  # noqa: E731

        meta = self.data(s)
        sample = meta["sample"]
        counts = meta["counts"]
        cases = [
            Case(
                "import-generic",
                f"spend import: {counts['generic_rows']:,} generic rows with ids",
                s,
                budget(
                    s,
                    True,
                    "spend",
                    "import",
                    str(self.file(s, "generic.csv")),
                    "--format",
                    "generic",
                ),
                sqlite_import("generic.csv"),
                "sqlite3 .import --csv into a bare table",
                "<= 3x ref, peak RSS < 150 MB",
                lambda c, r: c.median <= 3 * r.median and c.rss_mb < 150,
                note="into a database holding a month of spend",
            ),
            Case(
                "import-google",
                f"spend import: Google Ads report, {counts['google_rows']:,} rows",
                s,
                budget(s, True, "spend", "import", str(self.file(s, "google-ads.csv"))),
                sqlite_import("google-ads.csv", "--skip 2"),
                "sqlite3 .import --csv into a bare table",
                "<= 3x ref",
                lambda c, r: c.median <= 3 * r.median,
                note="format detected from the header; campaigns linked by external id",
            ),
            Case(
                "campaign-import",
                f"campaign import: an onboarding sheet of {counts['campaigns']:,} new campaigns",
                s,
                budget(s, True, "campaign", "import", str(self.file(s, "campaigns.csv"))),
                sqlite_import("campaigns.csv"),
                "sqlite3 .import --csv into a bare table",
                "<= 30 s (the busy timeout: passes keep their turn)",
                lambda c, r: c.median <= 30,
                note="holds the write lock throughout: a cron pass waits up to 30 s for it",
            ),
            Case(
                "import-create-missing",
                f"spend import --create-missing: a Google Ads report of "
                f"{meta['newcomer']['campaigns']:,} campaigns new to one brand",
                s,
                budget(
                    s,
                    True,
                    "spend",
                    "import",
                    str(self.file(s, "new-campaigns.csv")),
                    "--create-missing",
                    "--brand",
                    meta["newcomer"]["brand"],
                ),
                sqlite_import("new-campaigns.csv", "--skip 2"),
                "sqlite3 .import --csv into a bare table",
                "<= 30 s (the busy timeout: passes keep their turn)",
                lambda c, r: c.median <= 30,
                note="creates each campaign (linked to its network id) and its day's entry",
            ),
            Case(
                "enforce",
                "enforce (steady state: nothing to change)",
                s,
                budget(s, True, "enforce", "--now", now),
                grouped_sum(s),
                "python -c 'import sqlite3' + grouped SUM over the ledger",
                "<= 1.0 s",
                lambda c, r: c.median <= 1.0,
                "network",
            ),
            Case(
                "daypart",
                "daypart one hour later (windows open and close)",
                s,
                budget(s, True, "daypart", "--now", later),
                grouped_sum(s),
                "python -c 'import sqlite3' + grouped SUM over the ledger",
                "<= 0.6 s",
                lambda c, r: c.median <= 0.6,
                "network",
            ),
            Case(
                "reset",
                "reset, one brand day to close per brand",
                s,
                budget(s, True, "reset", "--now", now),
                grouped_sum(s),
                "python -c 'import sqlite3' + grouped SUM over the ledger",
                "<= 1.5 s",
                lambda c, r: c.median <= 1.5,
                "network",
            ),
            Case(
                "status",
                "status --json, every brand",
                status_scale,
                budget(status_scale, False, "status", "--json", "--now", now),
                grouped_sum(status_scale),
                "python -c 'import sqlite3' + grouped SUM over the ledger",
                "<= 0.6 s",
                lambda c, r: c.median <= 0.6,
                "agency",
            ),
            Case(
                "spend-record",
                "spend record (one process, cold)",
                s,
                budget(s, True, "spend", "record", sample["brand"], sample["campaign"], "12.34"),
                heavy_imports,
                "python -c 'import typer, rich, sqlmodel'",
                "<= 1.3x ref",
                lambda c, r: c.median <= 1.3 * r.median,
            ),
            Case(
                "help",
                "budgetctl --help",
                s,
                Step(lambda: [*bc, "--help"]),
                start_only,
                "python -c 'import sqlite3'",
                "<= 0.15 s",
                startup_goal,
            ),
            Case(
                "version",
                "budgetctl --version",
                s,
                Step(lambda: [*bc, "--version"]),
                start_only,
                "python -c 'import sqlite3'",
                "<= 0.15 s",
                startup_goal,
            ),
        ]
        wanted = {w.strip() for w in self.args.only.split(",")} if self.args.only else None
        if wanted:
            unknown = wanted - {c.name for c in cases}
            if unknown:
                raise SystemExit(
                    f"unknown case(s): {', '.join(sorted(unknown))}; cases: "
                    + ", ".join(c.name for c in cases)
                )
            cases = [c for c in cases if c.name in wanted]
        self._need = need
        return cases

    def measure(self, step: Step, repeat: int) -> Measure:
        m = Measure()
        for i in range(self.args.warmup + repeat):
            if step.prepare is not None:
                step.prepare()
            sample = run_child(step.argv(), self.env)
            if i >= self.args.warmup:
                m.samples.append(sample)
        return m

    def run(self) -> list[Result]:
        results = []
        for case in self.cases():
            write = case.name not in ("status", "help", "version")
            if case.name not in ("help", "version"):
                self._need(case.scale, write)
            print(f"[{case.name}] {case.what} ({case.scale}) ...", file=sys.stderr, flush=True)
            result = Result(case)
            try:
                result.ref = self.measure(case.reference, self.args.repeat)
                result.cmd = self.measure(case.command, self.args.repeat)
            except (CaseFailed, subprocess.CalledProcessError, OSError) as exc:
                result.error = str(exc)
                print(f"  failed: {exc}", file=sys.stderr)
            else:
                print(f"  {fmt(result.cmd)}  ref {fmt(result.ref)}", file=sys.stderr)
            results.append(result)
        return results


def pg_admin(url: str, *statements: str) -> None:
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    from urllib.parse import urlsplit, urlunsplit

    admin = urlunsplit(urlsplit(plain)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


def fmt(m: Measure) -> str:
    return (
        f"median {m.median:.3f} s ({m.lo:.3f}-{m.hi:.3f}), cpu {m.cpu:.3f} s, rss {m.rss_mb:.0f} MB"
    )


def table(results: list[Result]) -> str:
    head = (
        "| case | scale | median s | min-max s | cpu s | peak RSS MB | reference | ref median s "
        "| ref RSS MB | ratio | goal | met |\n"
        "|---|---|---:|---:|---:|---:|---|---:|---:|---:|---|---|\n"
    )
    lines = []
    for r in results:
        c = r.case
        if r.cmd is None or r.ref is None:
            lines.append(
                f"| {c.name} | {c.scale} | - | - | - | - | {c.reference_label} | - | - | - | "
                f"{c.goal_text} | {r.verdict()} |"
            )
            continue
        ratio = r.cmd.median / r.ref.median if r.ref.median else float("inf")
        lines.append(
            f"| {c.name} | {c.scale} | {r.cmd.median:.3f} | {r.cmd.lo:.3f}-{r.cmd.hi:.3f} | "
            f"{r.cmd.cpu:.3f} | {r.cmd.rss_mb:.0f} | {c.reference_label} | {r.ref.median:.3f} | "
            f"{r.ref.rss_mb:.0f} | {ratio:.2f}x | {c.goal_text} | {r.verdict()} |"
        )
    return head + "\n".join(lines) + "\n"


def machine() -> str:
    def cmd(*argv: str) -> str:
        try:
            return subprocess.run(argv, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return "?"

    lscpu = "\n".join(cmd("lscpu").splitlines()[:10])
    sqlite_cli = cmd(SQLITE3, "--version").split(" ")[0]
    py_sqlite = cmd(PY, "-c", "import sqlite3; print(sqlite3.sqlite_version)")
    return (
        f"nproc: {os.cpu_count()}; python {platform.python_version()}; sqlite3 CLI {sqlite_cli}; "
        f"python's sqlite {py_sqlite}; load average {os.getloadavg()[0]:.2f} at start\n{lscpu}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=generate.SCALES, default="small")
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs per case (default: %(default)s)"
    )
    parser.add_argument(
        "--warmup", type=int, default=1, help="untimed runs first (default: %(default)s)"
    )
    parser.add_argument("--only", help="run only these cases (comma-separated)")
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--db-url",
        help="PostgreSQL server URL for --engine postgres "
        "(postgresql+psycopg://postgres@127.0.0.1:5432/NAME)",
    )
    parser.add_argument("--out", type=Path, default=generate.DEFAULT_OUT, help="data directory")
    parser.add_argument(
        "--budgetctl", help="the command to run (default: the one beside this python)"
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.engine == "postgres" and not args.db_url:
        parser.error("--engine postgres needs --db-url postgresql+psycopg://USER@HOST:PORT/NAME")
    if args.db_url and args.engine == "sqlite":
        args.engine = "postgres"
    args.out.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    bench = Bench(args)
    try:
        results = bench.run()
    finally:
        shutil.rmtree(bench.work, ignore_errors=True)
    elapsed = time.perf_counter() - started

    print(
        f"budgetctl benchmarks: --scale {args.scale} --repeat {args.repeat} (+{args.warmup} warm-up), "
        f"engine {args.engine}, clock {generate.NOW_TEXT}"
    )
    print()
    print(table(results))
    for scale, meta in bench.meta.items():
        c = meta["counts"]
        print(
            f"{scale}: {c['brands']:,} brands, {c['campaigns']:,} campaigns "
            f"({c['scheduled_campaigns']:,} scheduled, {c['held_campaigns']:,} held), "
            f"{c['ledger_entries']:,} ledger entries; first (settling) enforce "
            f"{meta['timings_s']['first_enforce']:.2f} s; generated in {meta.get('generate_s', '?')} s"
        )
    print()
    print(machine())
    print(f"\ntotal {elapsed:.0f} s")
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "case": r.case.name,
                        "scale": r.case.scale,
                        "goal": r.case.goal_text,
                        "met": r.verdict(),
                        "error": r.error,
                        "wall": [s.wall for s in r.cmd.samples] if r.cmd else None,
                        "cpu": [s.cpu for s in r.cmd.samples] if r.cmd else None,
                        "rss_kb": [s.rss_kb for s in r.cmd.samples] if r.cmd else None,
                        "ref_wall": [s.wall for s in r.ref.samples] if r.ref else None,
                        "ref_rss_kb": [s.rss_kb for s in r.ref.samples] if r.ref else None,
                    }
                    for r in results
                ],
                indent=2,
            )
            + "\n"
        )
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())

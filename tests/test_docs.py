"""Every command documents itself and is documented in the README.

Walks the real Typer app: each command and sub-command has help text with an
``Example:`` line, and its full name (``brand add``, ``spend record``) appears
in README.md.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main

from budgetctl.cli.app import app

README = Path(__file__).resolve().parents[1] / "README.md"


def _is_group(command: Any) -> bool:
    return isinstance(getattr(command, "commands", None), dict)


def _walk(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, Any]]:
    """(full name, command) for every command and sub-command, depth first."""
    found: list[tuple[str, Any]] = []
    if path:
        found.append((" ".join(path), command))
    if _is_group(command):
        for name, sub in sorted(command.commands.items()):
            found.extend(_walk(sub, (*path, name)))
    return found


ROOT = typer.main.get_command(app)
COMMANDS = _walk(ROOT)
LEAVES = [(name, cmd) for name, cmd in COMMANDS if not _is_group(cmd)]
GROUPS = [(name, cmd) for name, cmd in COMMANDS if _is_group(cmd)]


def test_the_walk_finds_the_commands_of_the_spec() -> None:
    names = {name for name, _ in COMMANDS}
    expected = {
        "init", "brand", "brand add", "brand list", "brand show", "brand import", "brand set",
        "brand remove", "campaign", "campaign add", "campaign list", "campaign show",
        "campaign pause", "campaign resume", "campaign remove", "campaign import", "schedule",
        "schedule set", "schedule show", "schedule clear", "spend", "spend record", "spend list",
        "spend import", "spend batches", "spend undo", "enforce", "daypart", "reset", "status",
        "history", "doctor", "demo",
    }
    assert expected <= names


def test_root_help_has_an_example() -> None:
    assert "Example:" in (ROOT.help or "")


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_help_has_an_example(name: str, command: Any) -> None:
    assert command.help, f"{name} has no help text"
    assert "Example:" in command.help, f"'budgetctl {name} --help' shows no example"


@pytest.mark.parametrize(("name", "command"), LEAVES, ids=[n for n, _ in LEAVES])
def test_example_runs_the_command_itself(name: str, command: Any) -> None:
    example = (command.help or "").split("Example:", 1)[-1]
    assert re.search(rf"budgetctl( --db \S+)? {re.escape(name)}\b", example), example


@pytest.mark.parametrize("name", [n for n, _ in COMMANDS])
def test_example_is_one_line_in_a_narrow_terminal(tmp_path: Path, name: str) -> None:
    # Copied from the terminal, a wrapped example is a broken command. (Click wraps to the
    # terminal's width, which Typer's test runner does not have: a real process.)
    env = {**os.environ, "COLUMNS": "60", "BUDGETCTL_DB": str(tmp_path / "unused.db")}
    run = subprocess.run(
        [sys.executable, "-m", "budgetctl", *name.split(), "--help"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("Example:"))
    assert lines[at].strip().startswith("Example: budgetctl ")
    following = lines[at + 1].strip() if at + 1 < len(lines) else ""
    assert following == "" or following.startswith(("Example", "budgetctl", "Options")), lines[at:]


@pytest.mark.parametrize("name", [n for n, _ in COMMANDS])
def test_command_is_in_readme(name: str) -> None:
    text = README.read_text(encoding="utf-8")
    assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text), (
        f"README.md does not mention '{name}'"
    )


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["--db", "x.db", "status", "--brand"], "budgetctl status --help"),
        (["--db", "x.db", "spend", "list", "--brand"], "budgetctl spend list --help"),
        (["spend", "import", "--dry-run", "--brand"], "budgetctl spend import --help"),
        (["--db"], "budgetctl --help"),
    ],
)
def test_an_option_without_its_value_points_at_its_commands_help(
    tmp_path: Path, args: list[str], hint: str
) -> None:
    from conftest import Cli

    option = args[-1]
    run = Cli(tmp_path / "unused.db")(*args)
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr == f"error: Option '{option}' requires an argument. (see '{hint}')\n"


@pytest.mark.parametrize(
    ("args", "stderr"),
    [
        (["campaign", "list", "--state", "weird"],
         "error: Invalid value for '--state': 'weird' is not one of 'active', 'paused'. "
         "(see 'budgetctl campaign list --help')\n"),
        (["spend", "list", "--limit", "x"],
         "error: Invalid value for '--limit': not a whole number (see 'budgetctl spend list --help')\n"),
        (["history", "--limit", "1.5"],
         "error: Invalid value for '--limit': not a whole number (see 'budgetctl history --help')\n"),
    ],
)
def test_a_bad_option_value_is_told_in_plain_words(tmp_path: Path, args: list[str], stderr: str) -> None:
    from conftest import Cli

    run = Cli(tmp_path / "unused.db")(*args)
    assert (run.exit_code, run.stdout, run.stderr) == (2, "", stderr)


def test_readme_cron_block_is_crontab_example_with_a_venv_path() -> None:
    """The crontab shown in the README and the file it presents are the same lines."""
    block = README.read_text(encoding="utf-8").split("```cron\n", 1)[1].split("```", 1)[0]
    example = (README.parent / "crontab.example").read_text(encoding="utf-8")

    def lines(text: str, *, commented: bool) -> list[str]:
        kept = []
        for line in text.splitlines():
            line = " ".join(line.split())
            if line.startswith("# ") and commented and re.match(r"# [-\d*/,]+ ", line):
                kept.append(line)  # an optional, commented-out job
            elif line and not line.startswith("#") and not line.startswith("PATH="):
                kept.append(line)
        return kept

    assert lines(block, commented=True) == lines(example, commented=True)
    assert "PATH=/opt/budgetctl/venv/bin:/usr/local/bin:/usr/bin:/bin" in block.splitlines()
    assert "PATH=/usr/local/bin:/usr/bin:/bin" in example.splitlines()

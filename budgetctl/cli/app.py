"""The root command: global options, sub-commands, and the one error boundary.

Start-up stays light: this module and the sub-command modules import only
Typer. SQLAlchemy, SQLModel, Alembic and Rich are imported by the command that
needs them, so ``budgetctl --help`` and ``--version`` never load them.
"""

from __future__ import annotations

import os
import re
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from budgetctl import __version__, signals
from budgetctl.cli import plain, render
from budgetctl.domain.errors import BudgetError, ImportRejected

if TYPE_CHECKING:
    from datetime import datetime

    from budgetctl.services.base import Context

DEBUG_ENV = "BUDGETCTL_DEBUG"
# A word the command line takes for an option, though it is a negative amount ("-5.5").
_NEGATIVE = re.compile(r"-(?:[0-9][0-9.,]*|\.[0-9]+)")


def _debug() -> bool:
    return os.environ.get(DEBUG_ENV, "") not in ("", "0")


# Typer checks option values with pydantic, whose wording leaks into its usage errors.
_PYDANTIC_WORDS = (
    ("Value error, ", ""),
    ("Input should be a valid integer, unable to parse string as an integer", "not a whole number"),
)


def _plain(message: str) -> str:
    """A command-line error in the words of this tool rather than of its parser."""
    for words, ours in _PYDANTIC_WORDS:
        message = message.replace(words, ours)
    return message


class _OutputFailed(Exception):
    """Writing to standard output failed (a full disk, a closed pipe): not the command's work."""

    def __init__(self, err: OSError) -> None:
        super().__init__(err)
        self.err = err


_OUTPUT_PIECE = 1 << 16


class _Output:
    """Standard output whose write failures are told apart from every other ``OSError``."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            if len(text) <= _OUTPUT_PIECE:
                return int(self._stream.write(text))
            # In pieces: one large write that a closing pipe cuts short is dropped without an
            # error by Python's buffered writer, and a reader that went away looked served.
            for start in range(0, len(text), _OUTPUT_PIECE):
                self._stream.write(text[start : start + _OUTPUT_PIECE])
            return len(text)
        except OSError as err:
            raise _OutputFailed(err) from err

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as err:
            raise _OutputFailed(err) from err

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _usable_streams() -> None:
    """Standard output and error that can always be written.

    A closed descriptor (``>&-``) becomes ``/dev/null`` (and stays taken, so that no file
    the command opens lands on it); an encoding that cannot show a name (``PYTHONIOENCODING=
    ascii``) shows it escaped rather than failing after the work is done."""
    if sys.stdin is None:
        # A closed standard input (<&-): /dev/null takes its descriptor, so that the first
        # file the command opens (the database) does not land on it; reading '-' then says
        # standard input is closed (services.base.standard_input).
        try:
            os.fstat(0)
        except OSError:
            null = os.open(os.devnull, os.O_RDONLY)
            if null != 0:
                os.dup2(null, 0)
                os.close(null)
    for name, fd in (("stdout", 1), ("stderr", 2)):
        if getattr(sys, name) is None:
            null = os.open(os.devnull, os.O_WRONLY)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            setattr(sys, name, open(fd, "w", closefd=False))  # noqa: SIM115
        stream = getattr(sys, name)
        if not render.unicode_ok(stream) and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def _saved() -> bool:
    """Whether this command committed a change (the store is loaded only once it is used)."""
    store = sys.modules.get("budgetctl.store.db")
    return store is not None and bool(store.commits())


def _output_failed(err: OSError, *, code: int = 1) -> None:
    """The output could not be written: exit 0 when the work is saved, 1 when it was all
    the command had to give. A reader that went away (``| head``) needs no message."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
    except OSError:  # pragma: no cover
        pass
    quiet = isinstance(err, BrokenPipeError)
    reason = err.strerror or str(err)
    if _saved():
        if not quiet:
            sys.stderr.write(
                f"warning: the change is saved, but its output could not be written: {reason}\n"
            )
        sys.exit(0)
    if not quiet:
        render.error(f"cannot write the output: {reason}")
    sys.exit(code)


def interrupted() -> None:
    """Ctrl-C (SIGINT) or SIGTERM: say whether the command's change went in before it
    stopped; exit 130 or 143, as a shell reports a process either signal ended."""
    store = sys.modules.get("budgetctl.store.db")
    if _saved():
        where = (store and store.saved_note()) or "'budgetctl history' shows it"
        render.error(f"{signals.word()} after the change was saved ({where})")
    else:
        render.error(f"{signals.word()}: {(store and store.unsaved_note()) or 'nothing was written'}")
    sys.exit(signals.exit_code())


def _global_hint(exc: Any, where: str) -> str | None:
    """``budgetctl status --db FILE``: --db belongs to budgetctl itself, before the command."""
    if str(getattr(exc, "option_name", "") or "") != "--db":
        return None
    program, _, command = where.partition(" ")
    return (
        f"--db is an option of {program} itself: put it before the command, as in"
        f" '{program} --db FILE {command} ...' (or set $BUDGETCTL_DB)"
    )


def _negative_hint(exc: Any, words: list[str], cli_ctx: Any, where: str) -> str | None:
    """What to type instead when the unknown option is a negative number ("-5.5", or "-."
    of "-.5", as a cluster of short options reads), not another word of the line."""
    unknown = str(getattr(exc, "option_name", "") or "")
    at = next(
        (
            i
            for i, w in enumerate(words)
            if unknown and w.startswith(unknown) and _NEGATIVE.fullmatch(w)
        ),
        None,
    )
    if at is None:
        return None
    negative = words[at]
    before = [w for w in words[:at] if w != "--"][-1:]
    if before and _takes_value(cli_ctx, before[0]):
        # "--daily -- -5": an option's value is joined to it.
        return (
            f"{negative} reads as an option: give a negative value joined to its option,"
            f" as in '{where} ... {before[0]}={negative}'"
        )
    if _takes_argument(cli_ctx, "amount"):
        # "spend record Acme Search -5.5": a correction without the "--" before it.
        return (
            f"{negative} reads as an option: a negative amount goes after --, as in"
            f" '{where} ... -- {negative}'"
        )
    return None


def _takes_argument(cli_ctx: Any, name: str) -> bool:
    """Whether the command in ``cli_ctx`` has the positional argument ``name``."""
    command = getattr(cli_ctx, "command", None)
    return any(
        getattr(param, "param_type_name", "") == "argument" and param.name == name
        for param in getattr(command, "params", ())
    )


def _takes_value(cli_ctx: Any, word: str) -> bool:
    """Whether ``word`` is an option of the command in ``cli_ctx`` that takes a value."""
    command = getattr(cli_ctx, "command", None)
    for param in getattr(command, "params", ()):
        if word in getattr(param, "opts", ()) and not getattr(param, "is_flag", True):
            return True
    return False


class BoundaryGroup(TyperGroup):
    """Runs the command line and turns every failure into one ``error:`` line and an exit code.

    Exit 1: the request could not be done (a :class:`BudgetError`, a database
    problem, anything unexpected). Exit 2: the command line itself is wrong.
    Tracebacks only with ``BUDGETCTL_DEBUG=1``.
    """

    def main(  # type: ignore[override]
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        _usable_streams()
        plain.install(self)
        store = sys.modules.get("budgetctl.store.db")
        if store is not None:
            store.forget_commits()  # an earlier command in this process (tests)
        stdout = sys.stdout
        sys.stdout = _Output(stdout)
        try:
            self._run(args, prog_name, complete_var, **extra)
        finally:
            sys.stdout = stdout

    def _run(self, args: Any, prog_name: str | None, complete_var: str | None, **extra: Any) -> None:
        words = sys.argv[1:] if args is None else list(args)
        for word in words:
            try:
                word.encode("utf-8")
            except UnicodeEncodeError:
                shown = word.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                render.error(
                    f"{shown!r} is not valid UTF-8 text: give names and values in UTF-8 "
                    f"(see '{self._command_path(words)} --help')"
                )
                sys.exit(2)
        try:
            rv = super().main(
                args=args,
                prog_name=prog_name or "budgetctl",
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
            if rv == signals.INTERRUPTED or signals.taken():
                # Typer's word for a KeyboardInterrupt in the command; or a signal whose
                # exception was dropped on the way (raised inside a finalizer).
                interrupted()
            sys.stdout.flush()  # a full disk shows here, before exit
        except _OutputFailed as exc:
            _output_failed(exc.err)
        except typer.TyperException as exc:
            # Typer's (vendored Click) command-line errors: exit 2 for usage, else their code.
            code = int(getattr(exc, "exit_code", 1))
            cli_ctx = getattr(exc, "ctx", None)
            if type(exc).__name__ == "NoArgsIsHelpError" and cli_ctx is not None:
                try:
                    sys.stdout.write(cli_ctx.get_help() + "\n")
                    sys.stdout.flush()
                except _OutputFailed as failed:
                    _output_failed(failed.err, code=2)
                sys.exit(2)
            message = _plain(exc.format_message())
            if code == 2:
                where = (
                    cli_ctx.command_path
                    if cli_ctx is not None
                    else self._command_path(sys.argv[1:] if args is None else list(args))
                )
                hint = (
                    _global_hint(exc, where) or _negative_hint(exc, words, cli_ctx, where)
                    if type(exc).__name__ == "NoSuchOption"
                    else None
                )
                message = hint or f"{message} (see '{where} --help')"
            render.error(message)
            sys.exit(code)
        except typer.Abort:
            render.error("aborted")
            sys.exit(1)
        except BudgetError as exc:
            if _debug():
                raise
            render.error(exc.message, listing=isinstance(exc, ImportRejected))
            sys.exit(exc.exit_code)
        except BrokenPipeError as exc:
            # The reader of our output went away (``| head``), seen outside _Output.
            _output_failed(exc)
        except KeyboardInterrupt:
            interrupted()
        except Exception as exc:
            if _debug():
                raise
            message = _unexpected(exc)
            render.error(message)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)

    def _command_path(self, args: list[str]) -> str:
        """The command an argument list names (for errors raised before its context exists)."""
        path, command, words = ["budgetctl"], self, iter(args)
        for arg in words:
            if arg.startswith("-"):
                valued = {
                    name
                    for param in command.params
                    if not getattr(param, "is_flag", False) and not getattr(param, "count", False)
                    for name in getattr(param, "opts", ())
                }
                if arg in valued:
                    next(words, None)  # the option's value
                continue
            sub = getattr(command, "commands", {}).get(arg)
            if sub is None:
                break
            path.append(arg)
            command = sub
        return " ".join(path)


def _unexpected(exc: Exception) -> str:
    try:
        from sqlalchemy.exc import DBAPIError

        if isinstance(exc, DBAPIError):
            from budgetctl.store.db import translate_error

            return translate_error(exc, "").message.replace("database : ", "database: ")
    except ImportError:  # pragma: no cover
        pass
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    first = str(exc).splitlines()[0] if str(exc) else ""
    return f"unexpected {type(exc).__name__}: {first} (set {DEBUG_ENV}=1 for details)"


app = typer.Typer(
    rich_markup_mode=None,
    cls=BoundaryGroup,
    name="budgetctl",
    help=(
        "Keep every brand's ad spend inside its daily and monthly budgets, and run campaigns "
        "only inside their dayparting windows.\n\n"
        "\b\nExample: budgetctl init && budgetctl brand add Acme --daily 100 --monthly 2500"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"budgetctl {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="BUDGETCTL_DB",
            show_envvar=True,
            help="Database: a file path (SQLite) or an SQLAlchemy URL such as "
            "postgresql+psycopg://user@host/db. Default: $XDG_DATA_HOME/budgetctl/budget.db "
            "(~/.local/share/budgetctl/budget.db).",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Keep every brand's ad spend inside its budgets."""
    # Whether --db was on the command line (not only $BUDGETCTL_DB): demo builds only there.
    given = getattr(ctx.get_parameter_source("db"), "name", "") == "COMMANDLINE"
    if not given and db is not None and not db.strip():
        db = None  # a blank $BUDGETCTL_DB: resolve_url names the variable
    ctx.obj = {"db": db, "db_given": given}


def context(ctx: typer.Context, *, now: str | None = None) -> Context:
    """The request context: the database, the clock (read once), the actor, the command."""
    from budgetctl.clock import now as read_clock
    from budgetctl.clock import parse_instant, system_now
    from budgetctl.domain.errors import InvalidValue
    from budgetctl.services.base import Context, current_actor
    from budgetctl.store.db import Database, resolve_url

    root_ctx = ctx.find_root()
    option = (root_ctx.obj or {}).get("db")
    given = (root_ctx.obj or {}).get("db_given", False)
    url = resolve_url(option, what="--db" if given or option is None else "$BUDGETCTL_DB")
    database = Database(url)
    command = " ".join(ctx.command_path.split()[1:]) or "budgetctl"
    # The clock is read once. --now, when given, is the instant the command works at; the
    # clock then says when it ran and how far reset may close (a $BUDGETCTL_NOW it cannot
    # read is not in the way: the system's clock is).
    # The system's clock, read beside it, bounds when a pass may record that it ran.
    clock: datetime | None
    system = system_now()
    if now is not None:
        if not now.strip():
            # "--now $WHEN" with WHEN unset: not the clock, which a replay did not mean.
            raise InvalidValue(
                "--now is empty (a variable that was not set?): give an ISO 8601 time with its"
                " offset, such as 2026-11-24T09:00:00-05:00, or leave --now out"
            )
        instant = parse_instant(now)
        try:
            clock = read_clock()
        except InvalidValue:
            clock = system
    else:
        instant = clock = read_clock()
    return Context(database, instant, current_actor(), command, clock, system)


def _register() -> None:
    from budgetctl.cli import brand, campaign, db, passes, reports, schedule, spend, system

    app.add_typer(brand.app, name="brand")
    app.add_typer(campaign.app, name="campaign")
    app.add_typer(schedule.app, name="schedule")
    app.add_typer(spend.app, name="spend")
    app.add_typer(db.app, name="db")
    passes.register(app)
    reports.register(app)
    system.register(app)


_register()


def main() -> None:
    """Console-script entry point."""
    app()

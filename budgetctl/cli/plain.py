"""Option values that need no checking are taken as they are, without loading pydantic.

Typer checks each parameter's value with a pydantic ``TypeAdapter`` that it builds when
the command first reads the parameter, even when the value is ``None`` or the default.
Importing pydantic and building those adapters is about 60 ms of every command: a
tenth of a cron ``daypart`` pass over 100,000 campaigns, spent on a ``--now`` nobody gave.

For a parameter annotated ``str``, ``int``, ``bool`` or ``list[str]``, with no parser, range,
choices or path checks, a value that already is what the annotation asks for (a
``str``, an ``int``, a ``bool``, a list of ``str``; ``None``, which Typer passes on
before any check) is what Typer's adapter would return, and it is
returned as it is. Any other value (``"50"`` for an ``int``, say) goes to Typer's own
coercion, which is then built and kept for the parameter, so conversions and error
messages stay Typer's. Where Typer has no such hook (another version), nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

_PLAIN = (str, int, bool, list[str])


@cache
def _plain_param() -> type[Any] | None:
    """Typer's runtime-parameter class, specialised to pass plain values through."""
    try:
        from typer._coercion import RuntimeParam, build_runtime_param
        from typer.core import _TyperParameter
        from typer.models import OptionInfo
    except ImportError:  # pragma: no cover - a Typer without the hook
        return None
    if not callable(getattr(_TyperParameter, "get_runtime_param", None)):  # pragma: no cover
        return None

    @dataclass(frozen=True)
    class PlainParam(RuntimeParam):
        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            kind = self.annotation
            if kind is str and type(value) is str:
                return value
            if kind is int and type(value) is int:
                return value
            if kind is bool and type(value) is bool:
                return value
            if (
                kind == list[str]
                and isinstance(value, (list, tuple))
                and all(type(item) is str for item in value)
            ):
                return list(value)
            typer_param = build_runtime_param(param.type_descriptor)
            param._runtime_param = typer_param
            return typer_param._coerce_value(value, param=param, ctx=ctx)

    try:  # a Typer whose runtime parameters take other fields, or another method, is left be
        PlainParam(parameter_info=OptionInfo(), annotation=str)
    except Exception:  # pragma: no cover
        return None
    return PlainParam


def _is_plain(param: Any) -> bool:
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or getattr(param, "_runtime_param", 0) is not None:
        return False
    info = descriptor.parameter_info
    return (
        any(descriptor.annotation == kind for kind in _PLAIN)
        and getattr(info, "parser", 0) is None
        and getattr(info, "min", 0) is None
        and getattr(info, "max", 0) is None
        and descriptor.file_annotation is None
        and not descriptor.is_path
        and not descriptor.is_choice
    )


def install(command: Any) -> None:
    """Let ``command``'s plain parameters, and its sub-commands', skip pydantic."""
    plain = _plain_param()
    if plain is not None:
        _install(command, plain)


def _install(command: Any, plain: type[Any]) -> None:
    if getattr(command, "_plain_values", False):
        return
    command._plain_values = True
    for param in command.params:
        _make_plain(param, plain)
    # The help option is not among the parameters: each command makes it when first asked.
    make_help = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = make_help(ctx)
        if option is not None:
            _make_plain(option, plain)
        return option

    command.get_help_option = get_help_option
    for sub in getattr(command, "commands", {}).values():
        _install(sub, plain)


def _make_plain(param: Any, plain: type[Any]) -> None:
    if _is_plain(param):
        descriptor = param.type_descriptor
        param._runtime_param = plain(
            parameter_info=descriptor.parameter_info, annotation=descriptor.annotation
        )

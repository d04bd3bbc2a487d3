"""Text shown to people: control characters made visible."""

from __future__ import annotations

import re

# Control characters, and the line and paragraph separators that split lines too.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def visible(text: str) -> str:
    """Control characters as visible escapes (``\\x1b``, ``\\u2028``), everything else
    untouched."""
    return _CONTROL.sub(_escape, text)


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

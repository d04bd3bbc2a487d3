"""Text shown to people: control characters made visible; characters that show as nothing."""

from __future__ import annotations

import re
import unicodedata

# Control characters, and the line and paragraph separators that split lines too.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def visible(text: str) -> str:
    """Control characters as visible escapes (``\\x1b``, ``\\u2028``), everything else
    untouched."""
    return _CONTROL.sub(_escape, text)


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


# The zero-width joiner and non-joiner shape some scripts' words and emoji: kept.
_JOINERS = frozenset("\u200c\u200d")


def invisible(char: str) -> bool:
    """Whether ``char`` shows as nothing: one of Unicode's format characters (a zero-width
    space, a byte-order mark, a direction mark, a soft hyphen), but for the joiners."""
    return unicodedata.category(char) == "Cf" and char not in _JOINERS


def first_invisible(text: str) -> str | None:
    """The first character of ``text`` that shows as nothing, if any."""
    if text.isascii():
        return None
    return next((c for c in text if invisible(c)), None)


def without_invisible(text: str) -> str:
    """``text`` without the characters that show as nothing (see :func:`invisible`)."""
    if text.isascii():
        return text
    return "".join(c for c in text if not invisible(c))

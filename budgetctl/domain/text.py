"""Text shown to people: control characters made visible; characters that show as nothing."""

from __future__ import annotations

import re

# Control characters, and the line and paragraph separators that split lines too.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def visible(text: str) -> str:
    """Control characters as visible escapes (``\\x1b``, ``\\u2028``), everything else
    untouched."""
    return _CONTROL.sub(_escape, text)


def has_control(text: str) -> bool:
    """Whether ``text`` holds a character :func:`visible` escapes (one that breaks lines or
    steers a terminal): names and external ids may not."""
    return _CONTROL.search(text) is not None


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


# Characters that show as nothing and turn up stray in names copied from elsewhere: the
# soft hyphen, the Arabic letter and Mongolian vowel marks, the zero-width space, the
# direction marks, embeddings, overrides and isolates, the word joiner and invisible
# operators, the byte-order mark, the interlinear annotation marks. Not the joiners
# (U+200C, U+200D), nor the tag characters of flag emoji, nor the format characters that
# show as a sign (U+0600-0605): they shape what a name shows.
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb]"
)


def first_invisible(text: str) -> str | None:
    """The first character of ``text`` that shows as nothing, if any."""
    if text.isascii():
        return None
    found = _INVISIBLE.search(text)
    return found.group() if found else None


def without_invisible(text: str) -> str:
    """``text`` without the characters that show as nothing (see :data:`_INVISIBLE`)."""
    if text.isascii():
        return text
    return _INVISIBLE.sub("", text)

"""Text shown to people: control characters made visible."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """Control characters as visible escapes (``\\x1b``), everything else untouched."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)

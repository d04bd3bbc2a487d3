"""``budgetctl demo``: the whole product on one screen."""

from __future__ import annotations


def run_demo(db: str | None) -> None:
    raise NotImplementedError

"""Markdown tables for asset and check metadata (the UI renders them), built one way."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def cell(value: object, limit: int | None = None) -> str:
    """A table cell: pipes and line breaks would break the table; long texts are cut."""
    text = "" if value is None else str(value)
    text = text.replace("|", "/").replace("\r", " ").replace("\n", " ")
    return text[:limit] if limit is not None else text


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)

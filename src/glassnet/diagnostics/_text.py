"""Plain-text tables for the recorders' ``summary()``."""

from __future__ import annotations


def table(rows: list[tuple[str, ...]]) -> str:
    """Left-aligned columns two spaces apart; the first row is the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)

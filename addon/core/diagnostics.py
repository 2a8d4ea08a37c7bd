"""Errors and warnings that point at a place in a content file: ``path:line:col: error: message``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


class ComputeError(Exception):
    """A problem in a compute block or expression, at ``offset`` characters into its source."""

    def __init__(self, message: str, offset: int = 0, length: int = 1, syntax: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.length = max(1, length)
        self.syntax = syntax  # raised by Python's own parser (ast.parse): its wording is CPython's, not ours

    def shifted(self, by: int) -> "ComputeError":
        """The same error with its offset moved ``by`` characters (an expression inside a block)."""
        return ComputeError(self.message, self.offset + by, self.length, self.syntax)


@dataclass(frozen=True)
class Position:
    """A place in a file: 1-based line and column."""

    path: str
    line: int
    col: int


@dataclass(frozen=True)
class Diagnostic:
    """One error or warning, with the source line it points into (for the caret)."""

    severity: Literal["error", "warning"]
    position: Position
    message: str
    source_line: str = ""

    def format(self) -> str:
        """``path:line:col: error: message``, then the source line and a caret under the column."""
        p = self.position
        head = f"{p.path}:{p.line}:{p.col}: {self.severity}: {self.message}"
        if not self.source_line:
            return head
        line = self.source_line.replace("\t", " ")
        if len(line) > 200:  # keep a caret readable on a huge line: show a window around it
            start = max(0, p.col - 100)
            line = line[start : start + 200]
            caret_col = p.col - start
        else:
            caret_col = p.col
        return f"{head}\n    {line}\n    {' ' * (caret_col - 1)}^"


def position_of(text: str, offset: int) -> tuple[int, int]:
    """The 1-based (line, column) of character ``offset`` in ``text``."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    return line, offset - start + 1

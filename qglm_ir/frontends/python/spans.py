"""Source positions of Python ``ast`` nodes as DSL :class:`~qglm_ir.frontends.dsl.ast.Span` s.

Python reports ``lineno`` (1-based) and ``col_offset`` (0-based, in UTF-8
*bytes*); DSL spans are 1-based *characters*. :class:`SpanMaker` converts one
to the other for one source text, so a diagnostic's caret sits under the
right character even on lines with non-ASCII text.
"""

from __future__ import annotations

import ast as py
from typing import Any

from ...core.errors import ParseError
from ..dsl import ast as A


class SpanMaker:
    """Builds spans and located errors for the nodes of one parsed source text."""

    def __init__(self, src: A.SourceFile):
        self.src = src
        self.lines = src.text.splitlines()

    def _char_col(self, line: int, byte_col: int) -> int:
        """0-based byte offset on 1-based ``line`` -> 1-based character column."""
        if not 0 < line <= len(self.lines):
            return byte_col + 1
        text = self.lines[line - 1]
        if text.isascii():
            return byte_col + 1
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore")) + 1

    def span(self, node: Any) -> A.Span:
        """The span of a node with ``lineno``/``col_offset``/``end_*`` attributes."""
        line = node.lineno
        end_line = getattr(node, "end_lineno", None) or line
        end = getattr(node, "end_col_offset", None)
        col = self._char_col(line, node.col_offset)
        end_col = self._char_col(end_line, end) if end is not None else col + 1
        return A.Span(self.src, line, col, end_line, end_col)

    def point(self, line: int, col: int, length: int = 1) -> A.Span:
        """A span of ``length`` characters at 1-based ``line``/``col``."""
        return A.Span(self.src, line, col, line, col + length)

    def join(self, a: A.Span, b: A.Span) -> A.Span:
        return A.Span(self.src, a.line, a.col, b.end_line, b.end_col)

    def error(self, message: str, node: Any, help: str | None = None) -> ParseError:
        """A :class:`ParseError` located at ``node`` (an ast node or a span)."""
        span = node if isinstance(node, A.Span) else self.span(node)
        return ParseError(message, span.loc(), help=help)

    def def_name(self, node: py.FunctionDef | py.AsyncFunctionDef | py.ClassDef) -> A.Span:
        """The span of the name after ``def``/``class`` (ast gives only the statement's start)."""
        line = node.lineno
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        start = self._char_col(line, node.col_offset) - 1
        keyword = "class" if isinstance(node, py.ClassDef) else "def"
        at = text.find(keyword, start)
        at = text.find(node.name, at + len(keyword) if at >= 0 else start)
        if at < 0:  # the name is on a continuation line: point at the statement
            return self.point(line, start + 1, len(keyword))
        return self.point(line, at + 1, len(node.name))

    def operator(self, left: A.Span, right: A.Span, symbol: str) -> A.Span:
        """The span of ``symbol`` between two operands (ast keeps no operator positions).

        Parentheses, spaces and comments may sit between the operands; the first
        occurrence of the symbol outside a comment is the operator.
        """
        line, col = left.end_line, left.end_col
        while line <= right.line and 0 < line <= len(self.lines):
            text = self.lines[line - 1]
            stop = right.col - 1 if line == right.line else len(text)
            segment = text[col - 1 : stop]
            hash_at = segment.find("#")
            if hash_at >= 0:
                segment = segment[:hash_at]
            at = segment.find(symbol)
            if at >= 0:
                return self.point(line, col + at, len(symbol))
            line, col = line + 1, 1
        return self.join(left, right)

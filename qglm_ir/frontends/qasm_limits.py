"""Resource checks on OpenQASM text before Qiskit parses it, and parser-noise capture.

Qiskit's parsers carry no resource limits: the Rust OpenQASM 2 lexer panics on
an integer over 64 bits, the ANTLR OpenQASM 3 parser recurses once per
bracket and prints ``line 1:0 token recognition error`` to stderr, and
``qreg q[1000000]; h q;`` builds a million gates before qglm sees them. The
circuit Qiskit returns has no source positions either. So :func:`prescan`
looks at the text itself (comments blanked out, offsets kept) and refuses,
with a located :class:`ParseError`, what the current
:mod:`qglm_ir.limits` forbid:

* integer literals longer than ``max_int_digits``;
* brackets nested deeper than ``max_depth``;
* quantum / classical registers summing to more than ``max_qubits``;
* a ``for`` loop over a literal range of more than ``max_gates`` iterations.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import tempfile
from collections.abc import Iterator

from .. import limits
from ..core.errors import Location, ParseError

_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_INT = re.compile(r"(?<![\w.])[0-9]+(?![\w.])")
_BRACKET = re.compile(r"[()\[\]{}]")
_QREG = re.compile(r"\bqreg\s+[A-Za-z_]\w*\s*\[\s*([0-9]+)\s*\]|\bqubit\s*\[\s*([0-9]+)\s*\]")
_CREG = re.compile(r"\bcreg\s+[A-Za-z_]\w*\s*\[\s*([0-9]+)\s*\]|\bbit\s*\[\s*([0-9]+)\s*\]")
_FOR = re.compile(r"\bfor\b[^{;]*?\bin\s*\[\s*(-?[0-9]+)\s*:\s*(-?[0-9]+)\s*(?::\s*(-?[0-9]+)\s*)?\]")
_QUOTED = re.compile(r"'([A-Za-z_][\w]*)'")


def blank_comments(text: str) -> str:
    """``text`` with every comment replaced by spaces (newlines kept), so offsets still match."""
    return _COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def _loc(text: str, offset: int, filename: str, length: int = 1) -> Location:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Location(filename, line, col, max(1, length), text)


def prescan(text: str, filename: str, version: int) -> None:
    """Raise a located :class:`ParseError` if ``text`` asks for more than the current limits allow."""
    lim = limits.current()
    code = blank_comments(text)

    def fail(what: str, value: object, field: str, offset: int, length: int = 1) -> ParseError:
        msg, help_ = limits.exceeded(what, value, field)  # type: ignore[arg-type]
        return ParseError(msg, _loc(text, offset, filename, length), help=help_)

    for m in _INT.finditer(code):
        if len(m.group(0)) > lim.max_int_digits:
            raise fail("integer literal length in digits", len(m.group(0)), "max_int_digits", m.start(), len(m.group(0)))
    depth = 0
    for m in _BRACKET.finditer(code):
        if m.group(0) in "([{":
            depth += 1
            if depth > lim.max_depth:
                raise fail("bracket nesting depth", f"over {lim.max_depth}", "max_depth", m.start())
        else:
            depth = max(0, depth - 1)
    for pattern, what in ((_QREG, "qubits in the program"), (_CREG, "classical bits in the program")):
        total = 0
        for m in pattern.finditer(code):
            g = 1 if m.group(1) is not None else 2
            total += int(m.group(g))
            if total > lim.max_qubits:
                raise fail(what, total, "max_qubits", m.start(g), len(m.group(g)))
    if version == 3:
        for m in _FOR.finditer(code):
            a, b, c = (int(x) if x is not None else None for x in m.groups())
            start, step, stop = (a, 1, b) if c is None else (a, b, c)  # [start:stop] or [start:step:stop]
            trips = range_length(start, step, stop)  # type: ignore[arg-type]
            if trips > lim.max_gates:
                raise fail("iterations of the loop", trips, "max_gates", m.start(), len(m.group(0)))


def range_length(start: int, step: int, stop: int) -> int:
    """Iterations of the OpenQASM 3 range ``[start:step:stop]`` (inclusive stop), for any size of
    integer (``len(range(...))`` overflows past 2**63)."""
    if step == 0:
        return 0
    span = (stop - start) if step > 0 else (start - stop)
    return max(0, span // abs(step) + 1)


def guess_location(message: str, text: str, filename: str) -> Location:
    """Where in ``text`` an importer error probably points: the first mention of a name
    quoted in ``message`` ('rzz', 'c'), else ``FILE:1:1``. Qiskit circuits carry no positions."""
    code = blank_comments(text)
    for name in _QUOTED.findall(message):
        m = re.search(rf"\b{re.escape(name)}\b", code)
        if m is not None:
            return _loc(text, m.start(), filename, len(name))
    return Location(filename, 1, 1, 1, text)


@contextlib.contextmanager
def captured_stderr() -> Iterator[io.StringIO]:
    """Capture what a parser writes to ``sys.stderr`` *and* to file descriptor 2 (Rust panics).

    Yields a buffer with the Python-level output; the fd-level output is dropped.
    Why: the diagnostics qglm prints are the only thing a user should see.
    """
    buf = io.StringIO()
    try:
        saved = os.dup(2)
    except OSError:  # no fd 2 (embedded use): only the Python-level stream can be captured
        with contextlib.redirect_stderr(buf):
            yield buf
        return
    try:
        with tempfile.TemporaryFile() as sink:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            os.dup2(sink.fileno(), 2)
            try:
                with contextlib.redirect_stderr(buf):
                    yield buf
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)


__all__ = ["blank_comments", "captured_stderr", "guess_location", "prescan", "range_length"]

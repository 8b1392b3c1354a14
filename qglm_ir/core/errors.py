"""Source locations and the exception hierarchy.

Every user-facing error is a :class:`QglmError` carrying an optional
:class:`Location`. :meth:`QglmError.render` produces the compiler-style
diagnostic ``FILE:LINE:COL: error: MESSAGE`` followed by the source line, a
caret under the offending column and an optional ``help:`` line.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Location:
    """A 1-based position in a source file (``line``/``col``), with an optional width.

    ``source`` is the full text of the file when known, so a diagnostic can
    quote the line without re-reading the file (which may be stdin).
    """

    file: str
    line: int
    col: int
    length: int = 1
    source: str | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    def source_line(self) -> str | None:
        if self.source is None:
            return None
        lines = self.source.splitlines()
        if 1 <= self.line <= len(lines):
            return lines[self.line - 1]
        return None


#: longest source-line excerpt a diagnostic quotes (longer lines are shown around the column)
MAX_QUOTED = 160


class QglmError(Exception):
    """Root of every error qglm reports to a user."""

    kind = "error"

    def __init__(self, message: str, loc: Location | None = None, help: str | None = None):
        super().__init__(message)
        self.message = message
        self.loc = loc
        self.help = help

    def __str__(self) -> str:
        return f"{self.loc}: {self.message}" if self.loc else self.message

    def render(self, default_file: str = "<input>") -> str:
        """Render as ``FILE:LINE:COL: error: MESSAGE`` + source line + caret + help."""
        loc = self.loc
        if loc is None:
            out = [f"{default_file}: error: {self.message}"]
        else:
            out = [f"{loc.file}:{loc.line}:{loc.col}: error: {self.message}"]
            text = loc.source_line()
            if text is not None:
                text = text.expandtabs(1)
                col = loc.col
                width = max(1, min(loc.length, max(1, len(text) - loc.col + 1)))
                if len(text) > MAX_QUOTED:  # quote a window around the column, not a megabyte line
                    start = max(0, min(col - 1 - MAX_QUOTED // 2, len(text) - MAX_QUOTED))
                    text = ("..." if start else "") + text[start:start + MAX_QUOTED] + (
                        "..." if start + MAX_QUOTED < len(text) else "")
                    col = col - start + (3 if start else 0)
                    width = min(width, MAX_QUOTED // 2)
                out.append("  " + text)
                out.append("  " + " " * (col - 1) + "^" + "~" * (width - 1))
        if self.help:
            out.append(f"help: {self.help}")
        return "\n".join(out)


class ParseError(QglmError):
    """Malformed source text (IR, DSL, Python subset, OpenQASM)."""


class VerifyError(QglmError):
    """Structurally invalid IR: types, dominance, terminators, symbols, linearity."""


class PassError(QglmError):
    """A pass could not run or broke an invariant (e.g. translation validation)."""


class SemanticsError(QglmError):
    """The tensor-network semantics cannot evaluate a program (unbound input, too wide...)."""


class BackendError(QglmError):
    """A program cannot be expressed in the requested output format."""


class DeviceError(QglmError):
    """A device spec or calibration file is invalid."""

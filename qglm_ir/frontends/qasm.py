"""OpenQASM 2 and 3 frontend, through Qiskit's parsers.

``load_qasm(text, filename)`` reads the version header (``OPENQASM 2.0;`` or
``OPENQASM 3[.x];``; a file without one is treated as OpenQASM 3, as
the OpenQASM 3 specification allows), parses with ``qiskit.qasm2.loads``
(using ``LEGACY_CUSTOM_INSTRUCTIONS``, so ``qelib1.inc`` gates map to Qiskit's
standard gates) or ``qiskit.qasm3.loads``, then imports the circuit with
:func:`qglm_ir.frontends.interop.from_qiskit`. Parser errors become
:class:`~qglm_ir.core.errors.ParseError` with the line and column Qiskit
reports, and the source attached for the caret diagnostic.
"""

from __future__ import annotations

import os
import re

from .. import limits
from ..core.errors import Location, ParseError
from ..core.module import Module
from ..limits import call_with_deep_stack
from .qasm_limits import captured_stderr, guess_location, prescan

_VERSION = re.compile(r"^\s*(?://[^\n]*\n\s*|/\*.*?\*/\s*)*OPENQASM\s+([0-9]+)(?:\.([0-9]+))?\s*;", re.S)
# qiskit.qasm2: "<input>:3,0: msg"; qiskit.qasm3: "3,0: msg" (1-based line, 0-based column)
_POS = re.compile(r"(?:^|:)(\d+),(\d+):\s*(.*)$|L(\d+):C(\d+):\s*(.*)$", re.S)


def qasm_version(text: str) -> int:
    """2 or 3 from the ``OPENQASM`` header (3 when there is none)."""
    m = _VERSION.match(text)
    if m is None:
        return 3
    major = int(m.group(1))
    if major not in (2, 3):
        raise ParseError(f"unsupported OpenQASM version {m.group(0).split()[1].rstrip(';')}",
                         _loc_of(text, m.start(1), "<input>"))
    return major


def _loc_of(text: str, offset: int, filename: str) -> Location:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Location(filename, line, col, 1, text)


def _error_location(message: str, text: str, filename: str) -> tuple[str, Location]:
    first = message.strip().splitlines()[0] if message.strip() else message
    m = _POS.search(first)
    if m is None:
        return message.strip(), Location(filename, 1, 1, 1, text)
    g = 1 if m.group(1) is not None else 4  # "3,0: msg" (qiskit) or "L3:C0: msg" (ANTLR)
    line = max(1, int(m.group(g)))
    col = int(m.group(g + 1)) + 1
    return m.group(g + 2).strip() or message.strip(), Location(filename, line, col, 1, text)


def load_qasm(text: str, filename: str = "<input>") -> Module:
    """Parse OpenQASM 2/3 ``text`` into a module with one kernel (see the module docstring).

    Before Qiskit sees the text, :func:`qglm_ir.frontends.qasm_limits.prescan`
    refuses what would exhaust memory, time or the stack (long integers, deep
    brackets, huge registers, huge loops) with a located error. Parser output
    on stderr (ANTLR's ``line 1:0 token recognition error``, a Rust panic
    message) is captured, and a Rust ``PanicException`` (a ``BaseException``)
    becomes a located :class:`ParseError`.
    """
    return call_with_deep_stack(lambda: _load_qasm(text, filename))


def _load_qasm(text: str, filename: str) -> Module:
    import qiskit.qasm2
    import qiskit.qasm3

    from .interop import from_qiskit

    version = qasm_version(text)
    prescan(text, filename, version)
    try:
        with captured_stderr():
            if version == 2:
                qc = qiskit.qasm2.loads(text, custom_instructions=qiskit.qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
            else:
                qc = qiskit.qasm3.loads(text)
    except (qiskit.qasm2.QASM2ParseError, qiskit.qasm3.QASM3ImporterError) as e:
        msg, loc = _error_location(str(getattr(e, "message", e)), text, filename)
        raise ParseError(f"invalid OpenQASM {version}: {msg}", loc) from None
    except RecursionError:
        raise ParseError(f"invalid OpenQASM {version}: program nested too deeply for the parser",
                         Location(filename, 1, 1, 1, text), help=limits.help_for("max_depth")) from None
    except Exception as e:  # the OQ3 importer's ANTLR layer raises assorted exception types
        msg, loc = _error_location(str(e), text, filename)
        raise ParseError(f"invalid OpenQASM {version}: {msg}", loc) from None
    except BaseException as e:  # pyo3's PanicException derives from BaseException
        if type(e).__name__ != "PanicException":
            raise
        raise ParseError(f"invalid OpenQASM {version}: the parser could not read this program ({_panic_text(e)})",
                         Location(filename, 1, 1, 1, text)) from None
    if not qc.name or qc.name.startswith("circuit-"):
        base = os.path.splitext(os.path.basename(filename))[0] if not filename.startswith("<") else "circuit"
        qc.name = base or "circuit"
    try:
        module = from_qiskit(qc)
        if module.loc is None:  # later diagnostics (e.g. a backend's) point at the file at least
            module.loc = Location(filename, 1, 1, 1, text)
        return module
    except ParseError as e:
        if e.loc is None:
            e.loc = guess_location(e.message, text, filename)
        raise
    except RecursionError:
        raise ParseError("program nested too deeply (gate definitions or control flow)",
                         Location(filename, 1, 1, 1, text), help=limits.help_for("max_depth")) from None


def _panic_text(e: BaseException) -> str:
    first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return first[:200]


def load_qasm_file(path: str | os.PathLike[str]) -> Module:
    """``load_qasm`` on the contents of ``path`` (the file name is used in diagnostics)."""
    with open(path, encoding="utf-8") as f:
        return load_qasm(f.read(), os.fspath(path))


__all__ = ["load_qasm", "load_qasm_file", "qasm_version"]

"""Resource limits on inputs, read by every frontend, the device loader and the CLI.

One :class:`Limits` value bounds what a single compilation may ask for, so a
hostile or mistyped input (``qubit q[10^12]``, a 10^9-trip loop, 100,000
nested parentheses, a 10 GB file, ``--shots 10^12``) is refused with a located
diagnostic before it can exhaust memory, time or the Python stack. The CLI
sets the current limits from its ``--max-*`` flags with :func:`using`; library
callers get :data:`DEFAULTS` unless they do the same.

Every check raises the caller's located :class:`~qglm_ir.core.errors.QglmError`
through :func:`exceeded`, whose ``help:`` line names the flag that raises the
limit.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Limits:
    """Upper bounds for one compilation (all inclusive)."""

    #: qubits of one program register / kernel, and of a device
    max_qubits: int = 10_000
    #: gates (operations) in one kernel after unrolling loops and gate definitions
    max_gates: int = 100_000
    #: nesting of expressions, blocks, gate definitions, JSON arrays/objects
    max_depth: int = 1000
    #: decimal digits of an integer literal
    max_int_digits: int = 40
    #: elements of one classical tensor (params, layer weights, constants)
    max_tensor_elements: int = 100_000_000
    #: bytes of one input file (program, import or device JSON)
    max_file_size: int = 8 * 1024 * 1024
    #: lines of one input file
    max_lines: int = 1_000_000
    #: shots of one kernel invocation (``--shots`` and ``shots=`` in programs)
    max_shots: int = 100_000_000
    #: whether imports may leave the folder tree of the main program
    allow_outside_imports: bool = False


DEFAULTS = Limits()

#: limit field -> the CLI flag that raises it
FLAGS: dict[str, str] = {
    "max_qubits": "--max-qubits",
    "max_gates": "--max-gates",
    "max_depth": "--max-depth",
    "max_int_digits": "--max-int-digits",
    "max_tensor_elements": "--max-tensor-elements",
    "max_file_size": "--max-file-size",
    "max_lines": "--max-lines",
    "max_shots": "--max-shots",
}

_current: contextvars.ContextVar[Limits] = contextvars.ContextVar("qglm_limits", default=DEFAULTS)


def current() -> Limits:
    """The limits in force (:data:`DEFAULTS` unless inside :func:`using`)."""
    return _current.get()


@contextlib.contextmanager
def using(limits: Limits | None = None, **changes: Any) -> Iterator[Limits]:
    """Make ``limits`` (or the current limits with ``changes``) current inside the block."""
    value = dataclasses.replace(limits or current(), **changes)
    token = _current.set(value)
    try:
        yield value
    finally:
        _current.reset(token)


def help_for(field: str) -> str:
    """The ``help:`` text that tells how to raise the limit ``field``."""
    flag = FLAGS.get(field)
    return f"raise the limit with {flag} N" if flag else "the limit is fixed"


def exceeded(what: str, value: int | str, field: str) -> tuple[str, str]:
    """``(message, help)`` for ``what`` = ``value`` over the limit ``field``."""
    limit = getattr(current(), field)
    return f"{what} ({value}) exceeds the limit of {limit}", help_for(field)


# ------------------------------------------------------------------ deep stack
#: Python recursion limit and thread stack used by :func:`call_with_deep_stack`.
#: Frontends refuse inputs nested deeper than ``max_depth`` before recursing, so
#: this only needs room for ``max_depth`` times the frames one level costs.
DEEP_RECURSION = 20_000
DEEP_STACK_BYTES = 256 * 1024 * 1024
_THREAD_NAME = "qglm-deep-stack"


def call_with_deep_stack(fn: Callable[[], T]) -> T:
    """Run ``fn()`` in a thread with a large C stack and recursion limit; re-raise what it raises.

    Why: the recursive parts of qglm (lark's transformer, the DSL lowering,
    the IR printer) need a few frames per nesting level; the default 1000
    frames would turn a legal 1000-deep expression into a RecursionError.
    ``BaseException`` (including pyo3's ``PanicException``) crosses the thread
    boundary unchanged. Limits and other context variables are copied.
    """
    if threading.current_thread().name == _THREAD_NAME:
        return fn()  # already on a deep stack
    ctx = contextvars.copy_context()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = ctx.run(fn)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    old_limit = sys.getrecursionlimit()
    old_size = threading.stack_size()
    try:
        threading.stack_size(DEEP_STACK_BYTES)
        thread = threading.Thread(target=target, name=_THREAD_NAME, daemon=True)
        sys.setrecursionlimit(max(old_limit, DEEP_RECURSION))
        thread.start()
    finally:
        threading.stack_size(old_size)
    try:
        while thread.is_alive():
            thread.join(0.1)  # short joins keep Ctrl-C responsive in the main thread
    finally:
        sys.setrecursionlimit(old_limit)
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


__all__ = [
    "DEFAULTS",
    "FLAGS",
    "Limits",
    "call_with_deep_stack",
    "current",
    "exceeded",
    "help_for",
    "using",
]

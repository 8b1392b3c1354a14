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
#: Python recursion limit used by :func:`call_with_deep_stack`. Frontends refuse
#: inputs nested deeper than ``max_depth`` before recursing, so this only needs
#: room for ``max_depth`` times the few frames one nesting level costs.
DEEP_RECURSION = 10_000
#: Main-thread C stack allowed while deep (Linux grows the main stack on demand up
#: to RLIMIT_STACK; the kernel keeps at least 128 MiB free below it for this).
DEEP_STACK_BYTES = 120 * 1024 * 1024

_deep_lock = threading.Lock()
_deep_depth = 0


def _grow_main_stack() -> tuple[bool, Any]:
    """Raise the soft RLIMIT_STACK to :data:`DEEP_STACK_BYTES` if allowed.

    Returns ``(big enough, previous soft limit or None)``; the caller restores the
    previous value afterwards so child processes do not inherit the raised limit
    (glibc sizes every thread stack of a new process by it).
    """
    try:
        import resource
    except ImportError:  # not POSIX
        return False, None
    soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
    if soft == resource.RLIM_INFINITY or soft >= DEEP_STACK_BYTES:
        return True, None
    if hard != resource.RLIM_INFINITY and hard < DEEP_STACK_BYTES:
        return False, None
    try:
        resource.setrlimit(resource.RLIMIT_STACK, (DEEP_STACK_BYTES, hard))
    except (ValueError, OSError):
        return False, None
    return True, soft


def _restore_stack_limit(soft: Any) -> None:
    if soft is None:
        return
    import resource

    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_STACK, (soft, resource.getrlimit(resource.RLIMIT_STACK)[1]))


def call_with_deep_stack(fn: Callable[[], T]) -> T:
    """Run ``fn()`` with a recursion limit of :data:`DEEP_RECURSION` when that is safe.

    Why: the recursive parts of qglm (lark's transformer, the DSL lowering,
    the IR printer and passes) need a few frames per nesting level; the
    default 1000 frames would turn a legal 1000-deep expression into a
    RecursionError. The limit is raised only on the main thread after its C
    stack may grow to :data:`DEEP_STACK_BYTES` (running ``fn`` in a new
    thread with a big stack instead crashed Qiskit's Rust extensions). The
    old limits are restored afterwards; nested calls just run ``fn``.
    """
    global _deep_depth
    if threading.current_thread() is not threading.main_thread():
        return fn()
    with _deep_lock:
        if _deep_depth:
            outer = False
        else:
            ok, saved_stack = _grow_main_stack()
            if not ok:
                return fn()
            outer = True
            old = sys.getrecursionlimit()
            sys.setrecursionlimit(max(old, DEEP_RECURSION))
        _deep_depth += 1
    try:
        return fn()
    finally:
        with _deep_lock:
            _deep_depth -= 1
            if outer:
                sys.setrecursionlimit(old)
                _restore_stack_limit(saved_stack)


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

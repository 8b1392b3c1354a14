"""Compile-scoped memo: answers computed once per compile and reused within it.

Some searches run several times in one compile on equal inputs (``route`` tries two or three
routings of a kernel and re-places each with ``post_layout``; when two routings have the same
physical interaction graph, their VF2 candidate searches are identical). :func:`memoized`
returns the stored answer for an equal key.

Scope: :func:`compile_scope` (entered by :meth:`.manager.PassManager.run`) opens one memo for
the whole pipeline run; outside any scope nothing is stored, so a direct call always computes.
The memo is dropped when the scope ends, so it never grows across compiles and a benchmark
that compiles the same circuit again measures the full work again. The memo is a
``contextvars`` variable: compiles in other threads (a Dask worker) have their own.

Callers must key by *content*: the key has to contain everything the answer depends on, and
the stored answer must not be mutated by the caller (store immutable values or read-only
arrays).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

_current: contextvars.ContextVar[dict[Hashable, Any] | None] = contextvars.ContextVar("qglm_compile_memo",
                                                                                     default=None)

#: Entries kept per scope; past it the memo is cleared (a compile never comes near it: a few
#: entries per mapped kernel).
MAX_ENTRIES = 4096


@contextmanager
def compile_scope() -> Iterator[None]:
    """Open a memo for the enclosed compile; a nested scope shares the outer one."""
    if _current.get() is not None:
        yield
        return
    token = _current.set({})
    try:
        yield
    finally:
        _current.reset(token)


def memoized(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or the answer stored under ``key`` in the current compile scope.

    Requires: ``key`` determines ``compute()``'s answer (content, not identity) and starts
    with a name that keeps callers apart. Guarantees: the same answer object as the first
    call for an equal key in this scope; without a scope, simply ``compute()``.
    """
    memo = _current.get()
    if memo is None:
        return compute()
    try:
        return memo[key]
    except KeyError:
        pass
    value = compute()
    if len(memo) >= MAX_ENTRIES:
        memo.clear()
    memo[key] = value
    return value


def active() -> bool:
    """Whether a compile scope is open in this context."""
    return _current.get() is not None

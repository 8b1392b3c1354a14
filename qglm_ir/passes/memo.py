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

Pass replay (:func:`offer_replay`, :func:`replayed`): ``route`` ranks near-tie routings by
running ``-O3``'s post-routing clean-up (``to-basis``, ``drop-near-local``,
``optimize-fixpoint{snap=true}``) on a probe copy of each (:mod:`.mapping.select`); the
pipeline then runs the same passes on the winner again (0.3 s of 2.7 s on qft_30, heavy-hex:7).
The winner's probe is offered here and the pass manager takes it instead of running the passes
when it is about to run exactly those passes, in that order, next, on the module the probe
copied. The passes are deterministic functions of the module, the device, basis and seed, so
the outcome and each pass's result are what running them would give.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

_current: contextvars.ContextVar[dict[Hashable, Any] | None] = contextvars.ContextVar("qglm_compile_memo",
                                                                                     default=None)
#: The pending pass replay of the current scope (a one-element list, see :func:`offer_replay`).
_replay_slot: contextvars.ContextVar[list | None] = contextvars.ContextVar("qglm_pass_replay", default=None)

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
    slot_token = _replay_slot.set([None])
    try:
        yield
    finally:
        _replay_slot.reset(slot_token)
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


@dataclass
class _Replay:
    module: Any  # the module the probe copied
    ops: tuple[Any, ...]  # its top-level ops when offered (compared by identity)
    steps: tuple[tuple[Any, Any], ...]  # (pass, its PassResult on the probe), in run order
    outcome: Any  # the probe module after every step
    done: int = 0  # steps handed out so far


def offer_replay(module: Any, steps: Sequence[tuple[Any, Any]], outcome: Any) -> None:
    """Offer ``outcome``, the result of running ``steps``' passes in order on an exact copy of
    ``module`` as it is now (same top-level ops, properties and attributes; passes run with
    the compile's device, basis and seed), to the pass manager (see :func:`replayed`).

    Requires: the copy was exact and ``outcome`` is not used elsewhere (its ops move into
    ``module`` when taken); the first step changed the module (so the manager cannot skip a
    later step as unchanged since an equal pass ran). Without a compile scope nothing is kept.
    A new offer replaces a pending one."""
    slot = _replay_slot.get()
    if slot is None or not steps or not steps[0][1].changed:
        return
    slot[0] = _Replay(module, tuple(module.body), tuple(steps), outcome)


def drop_replay() -> None:
    """Forget a pending replay (the manager skipped a pass)."""
    slot = _replay_slot.get()
    if slot is not None:
        slot[0] = None


def replayed(p: Any, module: Any, upcoming: Sequence[Any]) -> Any | None:
    """The result of running pass ``p`` on ``module`` taken from a pending replay, or None
    (then the caller runs ``p``).

    ``upcoming``: the pipeline items the manager runs right after ``p`` (plain passes; empty
    when ``p`` is inside a repeated group). The first step is taken only when ``p`` equals it,
    ``upcoming`` starts with the other steps and ``module`` still has exactly the offered
    top-level ops: then the outcome's ops replace the module's and the first step's result is
    returned; the following calls must be the other steps on the same module (anything else is
    an internal error: the module already holds their outcome) and get their results. Any
    other pass drops the replay."""
    slot = _replay_slot.get()
    if slot is None or slot[0] is None:
        return None
    r: _Replay = slot[0]
    if r.done == 0:
        later = tuple(s[0] for s in r.steps[1:])
        body = module.body if module is r.module else None
        if (body is None or p != r.steps[0][0] or tuple(upcoming[:len(later)]) != later
                or len(body) != len(r.ops) or any(a is not b for a, b in zip(body, r.ops))):
            slot[0] = None
            return None
        for op in list(body):
            op.detach()
        for op in list(r.outcome.body):
            body.append(op.detach())
        module.properties = r.outcome.properties
        module.attributes = r.outcome.attributes
    elif module is not r.module or p != r.steps[r.done][0]:
        slot[0] = None
        raise RuntimeError(f"pass replay: expected {r.steps[r.done][0]!r} next, got {p!r}")
    result = r.steps[r.done][1]
    r.done += 1
    if r.done == len(r.steps):
        slot[0] = None
    return result

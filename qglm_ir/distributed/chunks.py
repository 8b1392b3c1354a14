"""Ordered map of one function over chunks of a batch, on a Dask client.

The shape every batched evaluation shares (the engine's ``run_batch`` over input
vectors, parameter shift over shifted circuits): one large object both sides
need (a module, a tape) is scattered to every worker once, each chunk is a task
(:func:`~.resilient.run_resilient`, so a dying worker only costs time), and the
results come back in chunk order, whatever order the cluster finished them in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any


def chunk_starts(n: int, client: Any, chunk: int | None = None) -> tuple[list[int], int]:
    """Start indices and size of the chunks of ``n`` items: ``chunk`` items each, by default
    about four chunks per worker thread (a scheduler round trip costs milliseconds)."""
    from .cluster import total_threads

    if chunk is None:
        chunk = max(1, math.ceil(n / (4 * total_threads(client))))
    return list(range(0, n, chunk)), chunk


def map_chunks(client: Any, fn: Callable[..., Any], shared: Any, chunk_args: Sequence[tuple[Any, ...]],
               name: str, describe: Callable[[int], str] | None = None) -> list[Any]:
    """``[fn(shared, *chunk_args[i]) for i ...]`` computed on ``client``'s cluster, in order.

    ``shared`` travels to every worker once (``scatter(broadcast=True)``).
    Raises ``RuntimeError`` naming the first chunk (in order) that failed or
    whose workers kept dying (``describe(i)`` says what chunk ``i`` held),
    chained to the cluster's exception.
    """
    from .resilient import run_resilient

    [remote] = client.scatter([shared], broadcast=True, hash=False)
    parts: list[Any] = [None] * len(chunk_args)
    done = [False] * len(chunk_args)
    failures: list[tuple[int, BaseException]] = []

    def on_result(i: int, value: Any) -> None:
        parts[i] = value
        done[i] = True

    def on_failure(i: int, exc: BaseException, attempts: int) -> None:
        failures.append((i, exc))

    run_resilient(client, fn, [(remote, *a) for a in chunk_args], on_result, on_failure, name=name)
    if failures:
        i, exc = min(failures, key=lambda f: f[0])
        what = describe(i) if describe is not None else f"chunk {i} of {len(chunk_args)} ({name})"
        raise RuntimeError(f"{what} failed on the cluster: {type(exc).__name__}: {exc}") from exc
    assert all(done), "a chunk without a result"
    return parts

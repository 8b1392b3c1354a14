"""``run_batch``: evaluate one program for many input/parameter vectors, here or on Dask.

``run_batch(module, [inputs_0, inputs_1, ...])[i] == run(module, inputs_i, ...)``
with the same ``shots``, ``simulator``, ``seed`` and ``entry``: each
evaluation is an independent :func:`~qglm_ir.engine.api.execute` of the
module's CFG, so sampled results do not depend on how the batch is split.

With ``client=`` (a ``distributed.Client``) the module is sent to every worker
once (it pickles as text, see :mod:`qglm_ir.text.pickling`), the vectors go
in chunks of about ``chunk`` evaluations (a scheduler round trip costs
milliseconds, an evaluation often less), and each worker lowers the CFG once
per module. A worker that dies costs nothing but time: its chunks run again
(:mod:`qglm_ir.distributed.resilient`). A bad input raises the same
:class:`~qglm_ir.core.errors.QglmError` as :func:`run` would, for the first
bad vector in input order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..core.errors import QglmError
from ..core.ir import Operation

Inputs = Mapping[str, Any]

# CFGs lowered on this process, per module object (a worker keeps the scattered module alive)
_CFG_CACHE: dict[tuple[int, str | None], tuple[Operation, Any]] = {}


def _cfg(module: Operation, entry: str | None) -> Any:
    from ..backends.cfg import to_cfg

    key = (id(module), entry)
    hit = _CFG_CACHE.get(key)
    if hit is None or hit[0] is not module:
        if len(_CFG_CACHE) > 16:
            _CFG_CACHE.clear()
        hit = _CFG_CACHE[key] = (module, to_cfg(module, entry))
    return hit[1]


def _run_chunk(
    module: Operation, entry: str | None, start: int, chunk: Sequence[Inputs], shots: int | None, simulator: str,
    seed: int,
) -> list[dict[str, np.ndarray] | tuple[str, type, str, Any, str | None, int]]:
    """Evaluate ``chunk`` (vectors ``start``, ``start+1``...). A QglmError becomes a
    record ``("error", class, message, loc, help, index)``: exceptions with
    locations do not survive Dask's pickling as themselves."""
    from .api import execute

    graph = _cfg(module, entry)
    out: list[Any] = []
    for k, inputs in enumerate(chunk):
        try:
            out.append(execute(module, graph, inputs, shots, simulator, seed))
        except QglmError as exc:
            out.append(("error", type(exc), exc.message, exc.loc, exc.help, start + k))
            break  # the caller raises the first error; the rest of the chunk is not needed
    return out


def run_batch(
    module: Operation,
    inputs: Sequence[Inputs],
    shots: int | None = None,
    simulator: str = "tn",
    seed: int = 0,
    *,
    entry: str | None = None,
    client: Any = None,
    chunk: int | None = None,
    vectorized: bool = False,
) -> list[dict[str, np.ndarray]]:
    """Results of :func:`~qglm_ir.engine.run` for every mapping in ``inputs``, in order.

    ``client``: a ``distributed.Client`` to spread the evaluations over
    (``None``: here, serially). ``chunk``: evaluations per Dask task (default:
    about four tasks per worker thread). ``vectorized``: run the host programs
    in lock-step and evaluate the batch's kernel calls together, one batched
    statevector pass per kernel (:mod:`qglm_ir.training.batch_exec`); exact
    results (``shots`` None or 0), here, on qglm's own simulator only. Never
    mutates ``module``.
    """
    vectors = list(inputs)
    if vectorized:
        if client is not None or shots or simulator != "tn":
            from .errors import EngineError

            raise EngineError("vectorized=True is exact and local: no client, no shots, simulator 'tn'")
        from ..training.batch_exec import HostBatch

        outs = HostBatch(module, _cfg(module, entry), {}, wrt=()).forward(vectors)
        return [{k: v[b] for k, v in outs.items()} for b in range(len(vectors))]
    if client is None:
        results = _run_chunk(module, entry, 0, vectors, shots, simulator, seed)
        return [_raise_if_error(r) for r in results]
    from ..distributed.chunks import chunk_starts, map_chunks

    n = len(vectors)
    starts, size = chunk_starts(n, client, chunk)
    parts = map_chunks(client, _run_chunk,
                       module, [(entry, s, vectors[s : s + size], shots, simulator, seed) for s in starts],
                       name="qglm-run", describe=lambda i: f"evaluations {starts[i]}..{min(n, starts[i] + size) - 1}")
    out: list[dict[str, np.ndarray]] = []
    for part in parts:
        assert part is not None
        out.extend(_raise_if_error(r) for r in part)
    return out


def _raise_if_error(r: Any) -> dict[str, np.ndarray]:
    if isinstance(r, tuple) and r and r[0] == "error":
        _, cls, message, loc, help, _index = r
        raise cls(message, loc, help)
    return r

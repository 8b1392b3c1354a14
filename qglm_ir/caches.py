"""qglm's process-wide caches, and how to empty them.

Several pure functions of the compiler keep their answers for the life of the process
(``functools.lru_cache``): the resynthesis of a two-qubit block by content, the Euler
synthesis of a single-qubit run, KAK decompositions, a basis's gate templates, device
graphs, parsers. A warm process that compiles many different circuits gains from them
(blocks, runs and gates recur across circuits). Compiling the *same* circuit again finds
nearly every answer cached: on the benchmark corpus without a device the second compile of
each circuit took 28-33% less CPU than the first (two measurements) (``benchmarks/bench_corpus.py`` therefore
empties them before each round). :func:`clear` empties them all, for measurements that must
time a first compile, and for long-running processes that want the memory back; everything
is rebuilt on demand, with the same results.

The compile-scoped memo (:mod:`qglm_ir.passes.memo`) is not process-wide: it ends with each
compile already.
"""

from __future__ import annotations

import sys


def _cached_functions(module: object, name: str):
    """The ``lru_cache`` wrappers defined in ``module`` (named ``name``), at module level and
    in its classes."""
    for obj in list(vars(module).values()):
        if getattr(obj, "__module__", None) != name:
            continue  # imported from elsewhere: cleared with its own module
        if callable(getattr(obj, "cache_clear", None)):
            yield obj
        elif isinstance(obj, type):
            for attr in list(vars(obj).values()):
                fn = getattr(attr, "__func__", attr)  # staticmethod / classmethod
                if callable(getattr(fn, "cache_clear", None)):
                    yield fn


def clear() -> int:
    """Empty every ``lru_cache`` of the imported ``qglm_ir`` modules; returns how many.

    Guarantees: later compiles give the same results (the caches hold answers of pure
    functions); they pay for recomputing what they need.
    """
    count = 0
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "qglm_ir" or name.startswith("qglm_ir.")):
            continue
        for fn in _cached_functions(module, name):
            fn.cache_clear()
            count += 1
    return count

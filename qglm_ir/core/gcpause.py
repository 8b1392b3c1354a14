"""``gc_paused()``: pause Python's cyclic garbage collector around bulk IR work.

The IR is full of reference cycles (an op and its results point at each
other), so every full collection walks every live op; parsing, lowering or
rewriting a million-op kernel allocates so many long-lived objects that the
collector would run again and again over the same graph, turning linear work
quadratic while finding almost no garbage. The previous state is restored on
exit, so nesting is harmless.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()

"""``expand-embeddings``: lower ``q.amplitude`` / ``q.density`` to fixed-structure gates.

Requires: a verified module. Guarantees: no ``q.amplitude`` / ``q.density`` op
remains; each became the ``ry``/``rz``/``cx`` template circuit of
:mod:`qglm_ir.embedding.synthesis` reading its angles from the (unchanged)
``embed.*_angles`` op, so the kernel's structure no longer depends on the data
and the mapping passes see only one- and two-qubit gates. Constant data folds
to constant angles (see :mod:`qglm_ir.embedding.expand`). Semantics preserved
exactly (``preserves = "unitary"``). Statistics: ``embeddings``, ``gates``,
``purification_qubits`` (the extra qubits density embeddings use).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...core.module import Module
from ..base import Pass, PassContext, PassResult


@dataclass(frozen=True)
class ExpandEmbeddings(Pass):
    name: ClassVar[str] = "expand-embeddings"
    preserves: ClassVar[str] = "unitary"

    def run(self, module: Module, ctx: PassContext) -> PassResult:
        from ...embedding.expand import expand_all

        stats = expand_all(module)
        return PassResult(stats["embeddings"] > 0, stats)

"""``fix-direction``: turn ``cx``/``ecr`` around on couplers native in the other direction only.

Requires: mapped kernels (``layout``/``route`` ran; wire ``p`` = physical
qubit ``p``) and a device in the pass context.

Guarantees: every ``cx`` and ``ecr`` whose (first, second) qubits are not a
native direction of the device, but whose reverse is, is replaced by an
exactly equal circuit using the native direction:

* ``cx(a, b)  = h(a) h(b) cx(b, a) h(a) h(b)``
* ``ecr(a, b) = e^{-i pi/2} * [s sx sdg](a) [sdg sx s](b) ecr(b, a) h(a) h(b)``
  (the phase is kept as a ``q.global_phase``).

Symmetric gates (``cz``, ``swap``, ``rzz`` ...) need nothing. Other directed
2q gates are left alone and counted in the ``unfixed`` statistic: lower them
with ``to-basis`` first. On a device whose couplers are all bidirectional
the pass changes nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from ...core.ir import Block, Operation, Value
from ...core.module import Module
from ...core.types import f64, qubit
from ...dialects.gates import GATES
from ..base import Pass, PassContext, PassResult
from .wires import analyze, kernel_body, kernels_of, walk_gates


def _gate(block: Block, anchor: Operation, name: str, *qs: Value) -> list[Value]:
    op = Operation("q." + name, list(qs), [qubit] * len(qs), loc=anchor.loc)
    block.insert_before(op, anchor)
    return list(op.results)


def _flip(op: Operation) -> None:
    block = op.parent
    assert isinstance(block, Block)
    a, b = op.operands
    if op.name == "q.cx":
        (a,) = _gate(block, op, "h", a)
        (b,) = _gate(block, op, "h", b)
        b, a = _gate(block, op, "cx", b, a)
    else:  # q.ecr
        c = Operation("arith.constant", [], [f64], {"value": -math.pi / 2}, loc=op.loc)
        block.insert_before(c, op)
        block.insert_before(Operation("q.global_phase", [c.results[0]], [], loc=op.loc), op)
        for g in ("s", "sx", "sdg"):
            (a,) = _gate(block, op, g, a)
        for g in ("sdg", "sx", "s"):
            (b,) = _gate(block, op, g, b)
        b, a = _gate(block, op, "ecr", b, a)
    (a,) = _gate(block, op, "h", a)
    (b,) = _gate(block, op, "h", b)
    op.results[0].replace_all_uses_with(a)
    op.results[1].replace_all_uses_with(b)
    op.erase()


@dataclass(frozen=True)
class FixDirection(Pass):
    """Flip ``cx``/``ecr`` gates that sit against a coupler's native direction.

    Requires: mapped kernels and a device. Guarantees: every ``cx``/``ecr``
    follows a native coupler direction when one exists; exact (unitary
    preserved, global phase included). Other directed gates are counted as
    ``unfixed``.
    """

    name: ClassVar[str] = "fix-direction"
    preserves: ClassVar[str] = "unitary"

    def run(self, module: Module, ctx: PassContext) -> PassResult:
        device = ctx.device
        if device is None or device.is_symmetric:
            return PassResult(False, {"flipped": 0, "unfixed": 0})
        directed = device.directed
        flipped = unfixed = 0
        for kernel in kernels_of(module):
            kw = analyze(kernel)
            if kw.num_wires != device.num_qubits:
                continue  # not mapped: nothing has a direction yet
            todo = []
            for op in walk_gates(kernel_body(kernel)):
                spec = GATES.get(op.name[2:]) if op.name.startswith("q.") else None
                if spec is None or spec.num_qubits != 2 or spec.symmetric:
                    continue
                pa, pb = (kw.vid[v] for v in op.operands[spec.num_params:])
                if (pa, pb) in directed or (pb, pa) not in directed:
                    continue
                if op.name in ("q.cx", "q.ecr"):
                    todo.append(op)
                else:
                    unfixed += 1
            for op in todo:
                _flip(op)
            flipped += len(todo)
        return PassResult(flipped > 0, {"flipped": flipped, "unfixed": unfixed})

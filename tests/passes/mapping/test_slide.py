"""``slide_swaps``: one-qubit gates move across a routing swap (onto the other wire) so the
swap meets the 2q gate next to it; the unitary is unchanged (oracle: Qiskit ``Operator``)."""

from __future__ import annotations

import numpy as np
import pytest

from qglm_ir.passes.mapping.slide import slide_swaps
from qglm_ir.text import parse_module
from qglm_ir.verify import verify

BACKWARD = """
module {
  q.kernel @k(%t: f64) {
    %a = arith.constant 0.3 : f64
    %q0 = q.alloc
    %q1 = q.alloc
    %q2 = q.alloc
    %0, %1 = q.cx %q0, %q1
    %2 = q.ry(%t) %1
    %3 = q.h %0
    %4 = q.rz(%a) %3
    %5, %6 = q.swap %4, %2
    %7, %8 = q.cx %6, %q2
    q.dealloc %5
    q.dealloc %7
    q.dealloc %8
    func.return
  }
}
"""

FORWARD = """
module {
  q.kernel @k(%t: f64) {
    %q0 = q.alloc
    %q1 = q.alloc
    %q2 = q.alloc
    %0, %1 = q.cx %q1, %q2
    %2, %3 = q.swap %q0, %0
    %4 = q.ry(%t) %2
    %5 = q.sx %3
    %6, %7 = q.cz %5, %4
    q.dealloc %7
    q.dealloc %6
    q.dealloc %1
    func.return
  }
}
"""

BLOCKED = """
module {
  q.kernel @k(%t: f64) {
    %q0 = q.alloc
    %q1 = q.alloc
    %q2 = q.alloc
    %0, %1 = q.cx %q0, %q2
    %2 = q.ry(%t) %1
    %3, %4 = q.swap %0, %q1
    q.dealloc %3
    q.dealloc %4
    q.dealloc %2
    func.return
  }
}
"""


def _operator(module, t: float):
    from qiskit.quantum_info import Operator

    from qglm_ir.backends.qiskit import to_qiskit

    qc = to_qiskit(module)
    return Operator(qc.assign_parameters([t] * len(qc.parameters)) if qc.parameters else qc)


def _swap(module):
    return next(op for op in module.walk() if op.name == "q.swap")


@pytest.mark.parametrize("text", [BACKWARD, FORWARD], ids=["backward", "forward"])
def test_swap_meets_its_neighbour_and_unitary_is_unchanged(text: str) -> None:
    module = parse_module(text)
    before = _operator(module, 0.7)
    kernel = next(op for op in module.walk() if op.name == "q.kernel")
    assert slide_swaps(kernel) == 1
    verify(module)  # still linear SSA, ops before their uses
    s = _swap(module)
    if text is BACKWARD:  # the swap now reads the cx's results directly
        assert {v.op.name for v in s.operands} == {"q.cx"} and s.operands[0].op is s.operands[1].op
    else:  # the swap's results go straight into the cz
        users = {r.single_user for r in s.results}
        assert len(users) == 1 and next(iter(users)).name == "q.cz"
    after = _operator(module, 0.7)
    assert np.allclose(before.data, after.data, atol=1e-12)


def test_no_slide_without_a_shared_neighbour() -> None:
    module = parse_module(BLOCKED)
    kernel = next(op for op in module.walk() if op.name == "q.kernel")
    assert slide_swaps(kernel) == 0

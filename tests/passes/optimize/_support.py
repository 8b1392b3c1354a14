"""Shared helpers of the optimization-pass tests."""

from __future__ import annotations

from qglm_ir.core.ir import Operation
from qglm_ir.core.module import Module
from qglm_ir.dialects.gates import GATES
from qglm_ir.passes.base import Pass, PassContext, PassResult

CX_BASIS = ("cx", "rz", "sx", "x")


def gate_ops(kernel: Operation) -> list[Operation]:
    """Every gate-table op of ``kernel`` (nested regions included)."""
    return [op for op in kernel.walk() if op.name[:2] == "q." and op.name[2:] in GATES]


def count_2q(kernel: Operation) -> int:
    return sum(1 for op in gate_ops(kernel) if GATES[op.name[2:]].num_qubits == 2)


def count_gates(kernel: Operation) -> int:
    return len(gate_ops(kernel))


def names(kernel: Operation) -> list[str]:
    return [op.name[2:] for op in gate_ops(kernel)]


def run(p: Pass, module: Module, basis: tuple[str, ...] | None = None) -> PassResult:
    """Run ``p`` on ``module`` in place and verify the result (when the verifier exists)."""
    result = p.run(module, PassContext(basis=basis))
    try:
        from qglm_ir.verify import verify
    except ImportError:  # the verifier lands with another issue
        return result
    verify(module)
    return result

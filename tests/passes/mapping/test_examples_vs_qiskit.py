"""The repo's examples on ``heavy-hex:3`` at -O3: no more 2q gates than Qiskit O3, no trailing swaps.

Qiskit O3 compiles the same kernel exported unmapped (``to_qiskit`` of the source program,
loops unrolled by the exporter) onto the same coupling map and basis. Seed 0 by default;
``QGLM_LONG=1`` checks seeds 0-4 (the #16 criterion).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SEEDS = range(5) if os.environ.get("QGLM_LONG") else range(1)
BASIS = ["cx", "rz", "sx", "x"]
#: kernels qglm does not match Qiskit on yet: strict xfail, so fixing them shows up as XPASS.
#: (amp_ansatz and covariance_state were: 38 vs 35-37 and 17 vs 13-15 CX, until route slid
#: 1q gates off its swaps, see qglm_ir/passes/mapping/slide.py; now 28 and 13 on seeds 0-4.)
KNOWN_GAPS: set[str] = set()
CASES = [
    ("ansatz.qglm", "ring_ansatz"),
    ("prompt_encoder.qglm", "encode"),
    ("peft_classifier.qglm", "adapted"),
    ("teleport.qglm", "teleport"),
    ("fallback.qglm", "circuit"),
    ("amplitude_classifier.qglm", "amp_ansatz"),
    ("density_covariance.qglm", "covariance_state"),
]


def _two_qubit(qc) -> int:
    """2q gates of a Qiskit circuit, control flow counted per iteration / worst branch."""
    total = 0
    for inst in qc.data:
        op = inst.operation
        if op.name == "for_loop":
            total += len(list(op.params[0])) * _two_qubit(op.blocks[0])
        elif getattr(op, "blocks", None):
            total += max(_two_qubit(b) for b in op.blocks)
        elif op.num_qubits == 2 and op.name != "barrier":
            total += 1
    return total


def _ends_in_swap(qc) -> bool:
    """Whether the last gates before the final measurements form a swap: a ``swap``, or
    three ``cx`` on one pair in alternating directions (a lowered swap)."""
    tail = [inst for inst in qc.data if inst.operation.name not in ("measure", "barrier")]
    if tail and tail[-1].operation.name == "swap":
        return True
    two = [tuple(qc.find_bit(q).index for q in inst.qubits) for inst in tail if inst.operation.num_qubits == 2]
    if len(two) < 3:
        return False
    a, b, c = two[-3:]
    return a == c and b == (a[1], a[0])


@pytest.mark.parametrize(("path", "kernel"), [
    pytest.param(p, k, id=k, marks=[pytest.mark.xfail(strict=True, reason="known gap against Qiskit O3 (#16)")]
                 if k in KNOWN_GAPS else []) for p, k in CASES])
def test_example_no_worse_than_qiskit_o3(path: str, kernel: str) -> None:
    from qiskit import transpile
    from qiskit.transpiler import CouplingMap

    import qglm_ir
    from qglm_ir.backends.qiskit import to_qiskit
    from qglm_ir.frontends.dsl import compile_file
    from qglm_ir.targets import load_device

    device = load_device("heavy-hex:3")
    coupling = CouplingMap(list(device.edges))
    program = compile_file(str(ROOT / "examples" / path))
    source = to_qiskit(program, kernel=kernel)
    for seed in SEEDS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = to_qiskit(qglm_ir.compile(program, device=device, optimization_level=3, seed=seed), kernel=kernel)
            ref = transpile(source, coupling_map=coupling, basis_gates=BASIS, optimization_level=3,
                            seed_transpiler=seed)
        assert _two_qubit(ours) <= _two_qubit(ref), (kernel, seed, _two_qubit(ours), _two_qubit(ref))
        assert not _ends_in_swap(ours), (kernel, seed)

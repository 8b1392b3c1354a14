"""``--validate`` must catch what a user would see: faults injected into compiled IR.

Each fault is a "pass" that edits the printed IR (as a user hand-editing a
``.qglmir`` would) and puts it back; translation validation must reject it,
naming the pass, even where the fault preserves the state reached from
|0...0> (so a check of that state alone would pass it). A check that cannot
run must say "not validated", and the CLI must then exit 1.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest
from qiskit import QuantumCircuit

from qglm_ir.cli import main
from qglm_ir.core.module import Module
from qglm_ir.frontends.interop import from_qiskit
from qglm_ir.passes.base import Pass, PassContext, PassResult
from qglm_ir.passes.manager import PassManager, ValidationError
from qglm_ir.passes.registry import get_pass
from qglm_ir.passes.validation import MAX_WIRES, check_kernel
from qglm_ir.targets import load_device
from qglm_ir.text import parse_module, print_module


def _replace_body(module: Module, text: str) -> None:
    new = parse_module(text)
    for op in list(module.body):
        op.erase()
    for op in list(new.body):
        module.body.append(op.detach())


@dataclass(frozen=True)
class TextEdit(Pass):
    """A fault: rewrite the printed IR with ``edit`` (must change it)."""

    name: ClassVar[str] = "fault"
    edit: Callable[[str], str] = lambda t: t

    def run(self, module: Module, ctx: PassContext) -> PassResult:
        text = print_module(module)
        new = self.edit(text)
        assert new != text, "the fault did not apply"
        _replace_body(module, new)
        return PassResult(True, {})


def _swap_first_cx(text: str) -> str:
    # %a, %b = q.cx %x, %y  ->  %b, %a = q.cx %y, %x : control and target exchanged, wires kept
    return re.sub(r"(%\w+), (%\w+) = q\.cx (%\w+), (%\w+)", r"\2, \1 = q.cx \4, \3", text, count=1)


def _rz_after_alloc(text: str) -> str:
    m = re.search(r"(\s*)(%\w+) = q\.alloc\n", text)
    assert m
    indent, v = m.group(1), m.group(2)
    tail = text[m.end():]
    tail = re.sub(rf"{v}\b", "%faulty_q", tail)
    extra = f"{indent}%faulty_c = arith.constant 0.7 : f64{indent}%faulty_q = q.rz(%faulty_c) {v}\n"
    return text[: m.end()] + extra.lstrip("\n") + tail


def _nudge_angle(text: str) -> str:
    def bump(m: re.Match) -> str:
        return f"arith.constant {float(m.group(1)) + 1e-6!r} : f64"

    return re.sub(r"arith\.constant (-?\d+\.\d+(?:e-?\d+)?) : f64", bump, text, count=1)


def _swap_final_layout(text: str) -> str:
    def swap(m: re.Match) -> str:
        vals = m.group(1).split(", ")
        vals[0], vals[1] = vals[1], vals[0]
        return "final_layout = [" + ", ".join(vals) + "]"

    return re.sub(r"final_layout = \[([^\]]*)\]", swap, text, count=1)


def _entangler() -> QuantumCircuit:
    """cx on fresh qubits first: swapping its control and target preserves |000>."""
    qc = QuantumCircuit(3, name="k")
    qc.cx(0, 1)
    qc.ry(0.4, 0)
    qc.cx(1, 2)
    qc.rz(0.3, 2)
    qc.h(1)
    return qc


def _run(module: Module, passes: list, device: str | None, mode: str) -> object:
    ctx = PassContext(device=load_device(device) if device else None, seed=1)
    return PassManager(passes, validate=mode).run(module, ctx)


FAULTS = {
    "swapped-cx": _swap_first_cx,
    "rz-after-alloc": _rz_after_alloc,
    "angle+1e-6": _nudge_angle,
}


@pytest.mark.parametrize("mode", ["end", "each"])
@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("device", [None, "line:6"])
def test_validation_catches_faults_that_keep_the_zero_state(fault: str, device: str | None, mode: str) -> None:
    module = from_qiskit(_entangler())
    passes = [get_pass("cancel")()]
    if device:
        passes += [get_pass("layout")(), get_pass("route")()]
    passes += [TextEdit(edit=FAULTS[fault]), get_pass("fuse-1q")()]
    with pytest.raises(ValidationError, match="pass 'fault'"):
        _run(module, passes, device, mode)


def test_the_faults_really_preserve_the_zero_state() -> None:
    """Guard: the swapped cx and the inserted rz leave |000>'s output unchanged, so a check
    from |0...0> alone could not see them (the angle nudge is caught either way)."""
    from qglm_ir.semantics import statevector

    for fault in ("swapped-cx", "rz-after-alloc"):
        good = from_qiskit(_entangler())
        bad = parse_module(FAULTS[fault](print_module(good)))
        a, b = statevector(good), statevector(bad)
        assert abs(abs(np.vdot(a, b)) - 1) < 1e-12, fault


def test_validation_catches_a_wrong_final_layout() -> None:
    module = from_qiskit(_entangler())
    passes = [get_pass("layout")(), get_pass("route")(), TextEdit(edit=_swap_final_layout)]
    with pytest.raises(ValidationError, match="pass 'fault'"):
        PassManager(passes, validate=True).run(module, PassContext(device=load_device("line:6"), seed=1))


def test_end_to_end_validation_names_the_culprit_among_many_passes() -> None:
    module = from_qiskit(_entangler())
    passes = [get_pass("cancel")(), get_pass("fuse-1q")(), TextEdit(edit=_nudge_angle), get_pass("merge-rotations")(),
              get_pass("fuse-1q")(), get_pass("cancel")()]
    with pytest.raises(ValidationError, match="pass 'fault'.*differ by"):
        PassManager(passes, validate=True).run(module, PassContext(seed=1))


def test_a_correct_mapped_pipeline_validates() -> None:
    module = from_qiskit(_entangler())
    passes = [get_pass(n)() for n in ("cancel", "layout", "route", "to-basis", "fuse-1q", "remove-dead")]
    ctx = PassContext(device=load_device("heavy-hex:3"), basis=("cx", "rz", "sx", "x"), seed=1)
    result = PassManager(passes, validate=True).run(module, ctx)
    assert result.validated is True, result.notes
    assert any("all 8 basis states" in c for c in result.checks)


#: A measured kernel whose outcome distribution has 2^26 branches: out of the semantics' reach.
WIDE_MEASURED = ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[26];\ncreg c[26];\nx q[1];\nx q[1];\n'
                 + "".join(f"h q[{i}];\n" for i in range(26)) + "measure q -> c;\n")


def test_check_kernel_says_not_validated_when_out_of_reach(tmp_path) -> None:
    from qglm_ir.frontends.loader import load_program

    src = tmp_path / "wide.qasm"
    src.write_text(WIDE_MEASURED)
    kernel = next(op for op in load_program(str(src)).body if op.name == "q.kernel")
    verdict = check_kernel(kernel, kernel)
    assert verdict.ok is None and verdict.why


def test_wide_kernels_are_checked_by_amplitudes_and_faults_are_caught() -> None:
    """Beyond the dense limit the check contracts product-state amplitudes; it still
    rejects an angle nudged by 1e-6."""
    n = MAX_WIRES + 2
    qc = QuantumCircuit(n, name="k")
    for q in range(n):
        qc.ry(0.1 * (q + 1), q)
    for q in range(n - 1):
        qc.cx(q, q + 1)
        qc.rz(0.2, q + 1)
    good = from_qiskit(qc)
    kernel = next(iter(good.body))
    assert check_kernel(kernel, kernel).ok is True
    bad = parse_module(_nudge_angle(print_module(good)))
    verdict = check_kernel(kernel, next(iter(bad.body)))
    assert verdict.ok is False and "amplitude" in verdict.method


def test_cli_validate_fails_when_it_cannot_check(tmp_path, capsys) -> None:
    src = tmp_path / "wide.qasm"
    src.write_text(WIDE_MEASURED)
    out = tmp_path / "o.qasm3"
    code = main(["compile", str(src), "--validate", "-O1", "--target", "qasm3", "-o", str(out), "-q"])
    err = capsys.readouterr().err
    assert code == 1 and "could not check" in err
    assert not out.exists()
    code = main(["compile", str(src), "--validate=best-effort", "-O1", "--target", "qasm3", "-o", str(out), "-q"])
    assert code == 0 and out.exists()


def test_cli_validate_proves_a_device_compile(tmp_path, capsys) -> None:
    src = tmp_path / "c.qasm"
    src.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[3];\nh q[0];\ncx q[0],q[1];\n'
                   "rz(0.3) q[1];\nt q[0];\ncx q[1],q[2];\n")
    report = tmp_path / "r.json"
    code = main(["compile", str(src), "--device", "heavy-hex:3", "-O3", "--validate", "--target", "qasm3",
                 "-o", str(tmp_path / "o.qasm3"), "--report", str(report), "-q"])
    assert code == 0, capsys.readouterr().err
    import json

    data = json.loads(report.read_text())
    assert data["validated"] is True
    assert any("validated end to end" in line for line in data["validation"])


def test_wide_clifford_kernels_are_checked_by_stabilizers() -> None:
    """Past the dense limit a Clifford kernel is compared exactly with stim; a swapped cx
    (which keeps |0...0>) is caught, and a mapped compile of it validates."""
    n = MAX_WIRES + 8
    qc = QuantumCircuit(n, name="k")
    for q in range(0, n - 1, 2):
        qc.cx(q, q + 1)
    qc.h(0)
    for q in range(n - 1):
        qc.cx(q, q + 1)
        qc.s(q + 1)
    good = from_qiskit(qc)
    kernel = next(iter(good.body))
    verdict = check_kernel(kernel, kernel)
    assert verdict.ok is True and "stabilizer" in verdict.method
    bad = parse_module(_swap_first_cx(print_module(good)))
    verdict = check_kernel(kernel, next(iter(bad.body)))
    assert verdict.ok is False and "stabilizer" in verdict.method
    module = from_qiskit(qc)
    passes = [get_pass(n)() for n in ("cancel", "layout", "route", "to-basis", "fuse-1q")]
    ctx = PassContext(device=load_device("heavy-hex:5"), basis=("cx", "rz", "sx", "x"), seed=1)
    result = PassManager(passes, validate=True).run(module, ctx)
    assert result.validated is True and any("stabilizer" in c for c in result.checks), result.notes

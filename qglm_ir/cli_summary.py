"""What the compile summary adds to the report: qubit counts and user-facing warnings.

* ``report["qubits"]``: per module, ``program`` qubits (the kernel's own wires,
  or ``len(initial_layout)`` once mapped), ``physical`` qubits an instruction
  touches after compilation, and ``device`` qubits (the mapped kernel's width).
* Warnings: a trainable parameter that some kernel used before compilation and
  no kernel uses after (``remove-dead`` found it unobservable: it will get no
  gradient), and ``noise.*`` annotations that the requested target drops
  (Qiskit, OpenQASM 3/2 carry no channels; Cirq does).
"""

from __future__ import annotations

from typing import Any

#: Targets that write noise channels; the other circuit targets drop them.
NOISE_TARGETS = ("cirq", "ir", "cfg")
CIRCUIT_TARGETS = ("qiskit", "qasm3", "qasm2")


def _kernels(module: Any) -> list[Any]:
    from .metrics import kernels

    return list(kernels(module))


def _touched(kernel: Any) -> int:
    from .metrics import wire_indices

    wire = wire_indices(kernel)
    used: set[int] = set()
    for op in kernel.walk():
        if op is kernel or op.name in ("q.alloc", "q.dealloc"):
            continue
        if op.dialect in ("q", "noise"):
            used.update(wire[v] for v in op.operands if v in wire)
    return len(used)


def qubit_counts(module: Any) -> dict[str, int]:
    """``{program, physical, device}`` qubits: maxima over the module's kernels."""
    from .metrics import wire_indices

    prog = phys = dev = 0
    for k in _kernels(module):
        width = len(set(wire_indices(k).values()))
        init = k.properties.get("initial_layout")
        prog = max(prog, len(init) if isinstance(init, tuple) else width)
        phys = max(phys, _touched(k))
        dev = max(dev, width)
    return {"program": prog, "physical": phys, "device": dev}


def _trainable_used(module: Any) -> set[str]:
    trainable = {str(op.properties.get("sym_name")) for op in module.regions[0].block
                 if op.name == "param.decl" and op.properties.get("trainable")}
    used: set[str] = set()
    for k in _kernels(module):
        for op in k.walk():
            if op.name == "param.get":
                ref = op.properties.get("name")
                name = str(getattr(ref, "name", ref)).lstrip("@")
                if name in trainable:
                    used.add(name)
    return used


def warnings_for(source: Any, compiled: Any, target: str) -> list[str]:
    """The warnings of the module docstring, in a stable order."""
    out: list[str] = []
    dropped = sorted(_trainable_used(source) - _trainable_used(compiled))
    for name in dropped:
        out.append(f"trainable parameter @{name} no longer affects any kernel after optimization "
                   "(its gates could not change any output); it will get no gradient")
    if target in CIRCUIT_TARGETS or target == "all":
        n = sum(1 for k in _kernels(compiled) for op in k.walk() if op.dialect == "noise")
        if n:
            where = "the Qiskit and OpenQASM artifacts" if target == "all" else f"--target {target}"
            out.append(f"{n} noise annotation(s) are not carried by {where} (circuits to run carry no channels); "
                       "--target cirq keeps them, qglmc run simulates them")
    return out


def enrich(report: dict[str, Any], source: Any, compiled: Any, target: str) -> None:
    """Add ``qubits`` and the warnings above to a compile report (in place)."""
    report["qubits"] = {"before": qubit_counts(source), "after": qubit_counts(compiled)}
    for w in warnings_for(source, compiled, target):
        if w not in report["warnings"]:
            report["warnings"].append(w)


__all__ = ["enrich", "qubit_counts", "warnings_for"]

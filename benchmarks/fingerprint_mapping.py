"""Fingerprints of qglm's -O3 device compiles, to check a speed change keeps every output.

For each corpus circuit (``benchmarks/corpus.py``) on a device, and for the repo's examples
on ``heavy-hex:3`` (the kernels of ``tests/passes/mapping/test_examples_vs_qiskit.py``,
seed 0), records the 2q count, depth, ESP, gates on error-1.0 parts (``sherbrooke``) and a
hash of the printed IR (kernel names normalized), plus the compile's CPU time. ``compare``
lists every circuit whose IR changed, with its 2q/ESP before and after.

Usage::

    python benchmarks/fingerprint_mapping.py record heavy-hex:7 before_hh.json
    python benchmarks/fingerprint_mapping.py record sherbrooke before_sh.json --names qft_8,qv_10
    python benchmarks/fingerprint_mapping.py record examples before_ex.json
    python benchmarks/fingerprint_mapping.py compare before_hh.json after_hh.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]  # this tree's qglm_ir, not an installed one


def _ir_hash(module) -> str:
    """Hash of the printed module with kernel symbol names replaced (they carry a counter)."""
    from qglm_ir.text import print_module

    text = print_module(module)
    for op in module.regions[0].block:
        if op.name == "q.kernel":
            name = str(op.properties.get("sym_name"))
            text = re.sub(r"\b" + re.escape(name) + r"\b", "KERNEL", text)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def record_examples() -> dict[str, dict[str, Any]]:
    import qglm_ir
    from qglm_ir.backends.qiskit import to_qiskit
    from qglm_ir.frontends.dsl import compile_file
    from qglm_ir.targets import load_device

    sys.path.insert(0, str(ROOT / "tests" / "passes" / "mapping"))
    from test_examples_vs_qiskit import CASES, _two_qubit

    device = load_device("heavy-hex:3")
    out: dict[str, dict[str, Any]] = {}
    for path, kernel in CASES:
        program = compile_file(str(ROOT / "examples" / path))
        t = time.process_time()
        compiled = qglm_ir.compile(program, device=device, optimization_level=3, seed=0)
        cpu = time.process_time() - t
        qc = to_qiskit(compiled, kernel=kernel)
        out[kernel] = {"hash": _ir_hash(compiled), "2q": _two_qubit(qc), "depth": qc.depth(), "cpu": round(cpu, 3)}
        print(kernel, out[kernel], flush=True)
    return out


def record_corpus(device_spec: str, names: list[str] | None) -> dict[str, dict[str, Any]]:
    from bench_mapping import qiskit_esp
    from corpus import corpus

    import qglm_ir
    from qglm_ir.backends.qiskit import to_qiskit
    from qglm_ir.frontends.interop import from_qiskit
    from qglm_ir.targets import load_device

    target = None
    if device_spec == "sherbrooke":
        from qiskit_ibm_runtime.fake_provider import FakeSherbrooke

        target = FakeSherbrooke().target
        device = load_device("qiskit:fake_sherbrooke")
    else:
        device = load_device(device_spec)
    out: dict[str, dict[str, Any]] = {}
    for name, qc in corpus(names) if names else corpus():
        module = from_qiskit(qc)
        t = time.process_time()
        compiled = qglm_ir.compile(module, device=device, optimization_level=3, seed=1)
        cpu = time.process_time() - t
        routed = to_qiskit(compiled)
        row: dict[str, Any] = {"hash": _ir_hash(compiled),
                               "2q": sum(1 for i in routed.data if i.operation.num_qubits == 2),
                               "depth": routed.depth(), "cpu": round(cpu, 3)}
        if target is not None:
            esp, broken, missing = qiskit_esp(routed, target)
            row.update(esp=esp, broken=broken, missing=missing)
        out[name] = row
        print(name, row, flush=True)
    return out


def compare(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> int:
    """Print every changed circuit of those in both records; returns how many changed."""
    changed = 0
    both = [n for n in before if n in after]
    for name in both:
        b, a = before[name], after[name]
        if a["hash"] == b["hash"]:
            continue
        changed += 1
        line = f"{name}: 2q {b['2q']} -> {a['2q']}, depth {b['depth']} -> {a['depth']}"
        if "esp" in b:
            line += f", ESP {b['esp']:.4g} -> {a['esp']:.4g}, error-1.0 gates {b['broken']} -> {a['broken']}"
        print(line)
    cpu_b = sum(before[n]["cpu"] for n in both)
    cpu_a = sum(after[n]["cpu"] for n in both)
    print(f"{len(both)} circuits compared ({len(before) - len(both)} only before, {len(after) - len(both)} only after), "
          f"{changed} changed; compile CPU {cpu_b:.1f} s -> {cpu_a:.1f} s")
    return changed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("device", help="heavy-hex:7, sherbrooke, examples, or any qglm device spec")
    rec.add_argument("out")
    rec.add_argument("--names", default=None, help="comma-separated corpus names")
    cmp = sub.add_parser("compare")
    cmp.add_argument("before")
    cmp.add_argument("after")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    if args.cmd == "compare":
        sys.exit(1 if compare(json.loads(Path(args.before).read_text()), json.loads(Path(args.after).read_text()))
                 else 0)
    rows = record_examples() if args.device == "examples" else record_corpus(
        args.device, args.names.split(",") if args.names else None)
    Path(args.out).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()

"""Fingerprint ``-O3`` outputs (2q count + IR text hash) to check that an optimizer change
keeps results: every corpus circuit without a device (the corpus basis), on ``heavy-hex:7``
and on ``qiskit:fake_sherbrooke``, and every compilable ``examples/*`` program on
``heavy-hex:3``.

    python benchmarks/bench_optimize_outputs.py record OUT.json [--device D ...] [--names a,b]
    python benchmarks/bench_optimize_outputs.py compare BASE.json NEW.json
    python benchmarks/bench_optimize_outputs.py operator [--max-qubits 10]

``compare`` prints each entry whose hash differs, whose 2q count is higher (a regression,
exit 1) or lower (an improvement), so a different-but-equal fixed point is visible too.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

DEVICES = ("none", "heavy-hex:7", "qiskit:fake_sherbrooke")
EXAMPLE_DEVICE = "heavy-hex:3"


def fingerprint(module) -> dict[str, object]:
    """Hash of the printed IR (kernel names normalized) and the number of 2q gates."""
    from qglm_ir.passes.optimize.wires import SPECS
    from qglm_ir.text import print_module

    txt = print_module(module)
    n2 = 0
    for op in module.walk():
        s = SPECS.get(op.name)
        if s is not None and s.num_qubits == 2:
            n2 += 1
    for op in module.regions[0].block:
        if op.name == "q.kernel":
            nm = str(op.properties.get("sym_name"))
            txt = re.sub(r"\b" + re.escape(nm) + r"\b", "KERNEL", txt)
    return {"hash": hashlib.sha256(txt.encode()).hexdigest()[:16], "2q": n2}


def record(out: str, devices: list[str], names: list[str] | None, examples: bool) -> None:
    warnings.simplefilter("ignore")
    from bench_mapping import BASIS
    from corpus import corpus

    import qglm_ir
    from qglm_ir.api import load_device
    from qglm_ir.frontends.interop import from_qiskit

    res: dict[str, dict[str, object]] = {}
    for dev in devices:
        d = None if dev == "none" else load_device(dev)
        for name, qc in corpus(names):
            t = time.perf_counter()
            mod = qglm_ir.compile(from_qiskit(qc), device=d, optimization_level=3, seed=1,
                                  basis=",".join(BASIS) if d is None else None)
            fp = fingerprint(mod)
            fp["wall"] = round(time.perf_counter() - t, 3)
            res[f"{dev}/{name}"] = fp
            print(f"{dev}/{name}", fp, flush=True)
    if examples:
        d = load_device(EXAMPLE_DEVICE)
        for path in sorted((ROOT / "examples").glob("*.qglm*")):
            try:
                mod = qglm_ir.compile(str(path), device=d, optimization_level=3, seed=1)
            except qglm_ir.QglmError as exc:  # recorded: the same error must come back
                res[f"{EXAMPLE_DEVICE}/{path.name}"] = {"error": str(exc).splitlines()[0]}
                continue
            res[f"{EXAMPLE_DEVICE}/{path.name}"] = fingerprint(mod)
            print(f"{EXAMPLE_DEVICE}/{path.name}", res[f"{EXAMPLE_DEVICE}/{path.name}"], flush=True)
    Path(out).write_text(json.dumps(res, indent=1, sort_keys=True))


def compare(base_path: str, new_path: str) -> int:
    base = json.loads(Path(base_path).read_text())
    new = json.loads(Path(new_path).read_text())
    worse = 0
    same = 0
    for key in sorted(set(base) | set(new)):
        a, b = base.get(key), new.get(key)
        if a is None or b is None:
            print(f"{key}: only in {'new' if a is None else 'base'}")
            continue
        if a.get("error") != b.get("error"):
            print(f"{key}: error {a.get('error')!r} -> {b.get('error')!r}")
            worse += 1
            continue
        if a.get("hash") == b.get("hash"):
            same += 1
            continue
        if b["2q"] > a["2q"]:
            worse += 1
            print(f"{key}: MORE 2q {a['2q']} -> {b['2q']}")
        elif b["2q"] < a["2q"]:
            print(f"{key}: fewer 2q {a['2q']} -> {b['2q']}")
        else:
            print(f"{key}: same 2q {a['2q']}, different IR")
    print(f"{same} identical of {len(set(base) & set(new))}; {worse} worse")
    return 1 if worse else 0


def operator_check(max_qubits: int) -> int:
    """Qiskit ``Operator`` of each corpus circuit of at most ``max_qubits`` qubits against its
    ``-O3`` compilation without a device (the corpus basis), up to global phase."""
    warnings.simplefilter("ignore")
    from bench_mapping import BASIS
    from corpus import corpus
    from qiskit.quantum_info import Operator

    import qglm_ir
    from qglm_ir.backends.qiskit import to_qiskit
    from qglm_ir.frontends.interop import from_qiskit

    bad = 0
    for name, qc in corpus(None, max_qubits=max_qubits):
        out = qglm_ir.compile(from_qiskit(qc), optimization_level=3, seed=1, basis=",".join(BASIS))
        ok = Operator(to_qiskit(out)).equiv(Operator(qc.remove_final_measurements(inplace=False)), atol=1e-6)
        bad += not ok
        print(f"{name}: {'equal' if ok else 'DIFFERENT'}", flush=True)
    return 1 if bad else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record")
    r.add_argument("out")
    r.add_argument("--device", action="append", help=f"default: {', '.join(DEVICES)}")
    r.add_argument("--names", help="comma-separated corpus names (default: all)")
    r.add_argument("--no-examples", action="store_true")
    c = sub.add_parser("compare")
    c.add_argument("base")
    c.add_argument("new")
    o = sub.add_parser("operator")
    o.add_argument("--max-qubits", type=int, default=10)
    args = ap.parse_args()
    if args.cmd == "record":
        record(args.out, args.device or list(DEVICES), args.names.split(",") if args.names else None,
               not args.no_examples)
    elif args.cmd == "operator":
        sys.exit(operator_check(args.max_qubits))
    else:
        sys.exit(compare(args.base, args.new))


if __name__ == "__main__":
    main()

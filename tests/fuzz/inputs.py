"""Fuzz inputs for the six input kinds: grammar-generated programs and mutated seeds.

Two sources, mixed half and half by :func:`generate`:

* **hypothesis**: programs drawn from the grammars (``hypothesis.extra.lark.from_lark``
  on ``qglm.lark`` and ``ir.lark``), structured OpenQASM 2/3 circuits, Python-frontend
  kernels and device dicts, drawn reproducibly with ``@seed`` + ``derandomize``;
* **mutation**: the examples (and a few hand-written OpenQASM / device seeds) with
  byte edits (flip, insert, delete, duplicate a span) and token edits (replace a
  token with another one of the file or with a hostile one: ``-`` x 600, 50-digit
  integers, 2,000 open brackets, invalid UTF-8, huge register sizes ...).

Every input is ``(kind, name, data: bytes)`` with ``kind`` one of :data:`KINDS`.
"""

from __future__ import annotations

import json
import random
import re
import warnings
from collections.abc import Callable
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

#: kind -> file suffix
KINDS: dict[str, str] = {
    "qglm": ".qglm",
    "py": ".py",
    "qasm2": ".qasm",
    "qasm3": ".qasm",
    "qglmir": ".qglmir",
    "device": ".json",
}

QASM2_SEEDS = [
    'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[3];\ncreg c[3];\nh q[0];\ncx q[0],q[1];\nrz(pi/4) q[2];\n'
    "measure q -> c;\nif (c == 4) x q[0];\n",
    'OPENQASM 2.0;\ninclude "qelib1.inc";\ngate g(a) x, y { rx(a) x; cx x, y; }\nqreg q[2];\ng(0.5) q[0], q[1];\n'
    "barrier q;\nu3(0.1,0.2,0.3) q[1];\n",
]
QASM3_SEEDS = [
    'OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[2] q;\nbit[2] c;\nh q[0];\ncx q[0], q[1];\n'
    "c = measure q;\nif (c[0]) { x q[1]; }\n",
    'OPENQASM 3.0;\ninclude "stdgates.inc";\ninput float theta;\nqubit[3] q;\n'
    "for int i in [0:2] { rx(theta) q[i]; }\nbit b = measure q[0];\nwhile (b) { x q[0]; b = measure q[0]; }\n",
]
DEVICE_SEEDS = [
    {"format": "qglm-device", "version": 1, "name": "tiny", "num_qubits": 3, "basis_gates": ["cx", "rz", "sx", "x"],
     "coupling_map": [[0, 1], [1, 0], [1, 2], [2, 1]],
     "qubits": [{"t1": 1e-4, "t2": 8e-5, "readout_error": 0.02}] * 3,
     "gates": [{"gate": "cx", "qubits": [0, 1], "error": 0.01, "duration": 3e-7},
               {"gate": "sx", "qubits": [2], "error": 0.001}]},
    {"num_qubits": 2, "coupling_map": [[0, 1]]},
]

#: hostile fragments inserted by token mutation
HOSTILE = [
    "-" * 600, "+".join(["1"] * 600), "(" * 2000, ")" * 50, "9" * 50, "9" * 5000, "99999999999999999999",
    "1000000", "1e308", "1e309", "-1", "0", "\xff\xfe", "\x00", "qubit q[1000000]", "qreg q[100000];",
    "import \"/etc/passwd\"", "import \"/dev/zero\"", "{" * 300, "[" * 1500, "nan", "inf", "\"", "/*", "$$",
    "if (c == 4)", "for int i in [0:1000000000]", "-D", "\n" * 3, "π", "shots=1000000000000",
]
_TOKEN = re.compile(rb"[A-Za-z_][A-Za-z_0-9]*|[0-9]+(?:\.[0-9]+)?|\s+|.", re.S)


def seeds(kind: str) -> list[tuple[str, bytes]]:
    """``(name, bytes)`` seed files of ``kind``."""
    if kind in ("qglm", "py", "qglmir"):
        return [(p.name, p.read_bytes()) for p in sorted(EXAMPLES.glob(f"*{KINDS[kind]}"))]
    if kind == "qasm2":
        return [(f"seed{i}.qasm", s.encode()) for i, s in enumerate(QASM2_SEEDS)]
    if kind == "qasm3":
        return [(f"seed{i}.qasm", s.encode()) for i, s in enumerate(QASM3_SEEDS)]
    return [(f"seed{i}.json", json.dumps(d, indent=1).encode()) for i, d in enumerate(DEVICE_SEEDS)]


def mutate(data: bytes, rng: random.Random, pool: list[bytes]) -> bytes:
    """One to four random byte or token edits of ``data`` (tokens may come from ``pool``)."""
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(8)
        n = len(data)
        if op == 0 and n:  # flip a byte
            i = rng.randrange(n)
            data = data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1:]
        elif op == 1:  # insert random bytes
            i = rng.randrange(n + 1)
            data = data[:i] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 4))) + data[i:]
        elif op == 2 and n:  # delete a span
            i = rng.randrange(n)
            data = data[:i] + data[i + rng.randint(1, 40):]
        elif op == 3 and n:  # duplicate a span
            i = rng.randrange(n)
            j = min(n, i + rng.randint(1, 200))
            data = data[:j] + data[i:j] * rng.randint(1, 50) + data[j:]
        else:  # token edits
            toks = _TOKEN.findall(data) or [b""]
            i = rng.randrange(len(toks))
            if op in (4, 5):
                toks[i] = rng.choice(HOSTILE).encode("utf-8", "surrogateescape")
                if toks[i] == "\xff\xfe".encode():
                    toks[i] = b"\xff\xfe"
            elif op == 6:
                toks[i] = rng.choice(pool) if pool else toks[i]
            else:
                toks.insert(i, toks[i] * rng.randint(2, 300))
            data = b"".join(toks)
    return data


# ---------------------------------------------------------------- hypothesis
def _collect(strategy, n: int, seed: int) -> list:
    """``n`` examples of ``strategy``, reproducibly (a @given run that records what it draws)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed

    out: list = []

    @hseed(seed)
    @settings(max_examples=n, database=None, derandomize=False, deadline=None,
              suppress_health_check=list(HealthCheck), phases=("generate",))
    @given(strategy)
    def record(x: object) -> None:
        out.append(x)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        record()
    return out[:n]


def _lark_strategy(grammar_file: str):
    from hypothesis import strategies as st
    from hypothesis.extra.lark import from_lark
    from lark import Lark

    text = resources.files("qglm_ir.grammar").joinpath(grammar_file).read_text(encoding="utf-8")
    explicit = {}
    if grammar_file == "qglm.lark":
        explicit = {"_NL": st.sampled_from(["\n", ";"]), "WS": st.just(" "), "COMMENT": st.just("// c"),
                    "BLOCK_COMMENT": st.just("/* c */")}
    return from_lark(Lark(text, parser="lalr", lexer="basic"), explicit=explicit)


def _qasm_strategy(version: int):
    from hypothesis import strategies as st

    gates1 = ["h", "x", "y", "z", "s", "t", "sx"]
    rot = ["rx", "ry", "rz"]

    @st.composite
    def prog(draw) -> str:
        n = draw(st.integers(1, 5))
        lines = ["OPENQASM 2.0;", 'include "qelib1.inc";', f"qreg q[{n}];", f"creg c[{n}];"] if version == 2 else \
            ["OPENQASM 3.0;", 'include "stdgates.inc";', f"qubit[{n}] q;", f"bit[{n}] c;"]
        for _ in range(draw(st.integers(0, 12))):
            k = draw(st.integers(0, 5))
            a = draw(st.integers(0, n))  # may be out of range on purpose
            b = draw(st.integers(0, n))
            if k == 0:
                lines.append(f"{draw(st.sampled_from(gates1))} q[{a}];")
            elif k == 1:
                ang = draw(st.sampled_from(["pi/2", "0.5", "-pi", "1e308*10", "2*pi/3", "theta"]))
                lines.append(f"{draw(st.sampled_from(rot))}({ang}) q[{a}];")
            elif k == 2:
                lines.append(f"cx q[{a}], q[{b}];" if version == 3 else f"cx q[{a}],q[{b}];")
            elif k == 3:
                lines.append(f"measure q[{a}] -> c[{a}];" if version == 2 else f"c[{a}] = measure q[{a}];")
            elif k == 4:
                v = draw(st.integers(0, 2 ** n))
                lines.append(f"if (c == {v}) x q[{a}];" if version == 2 else f"if (c[{a}]) {{ x q[{b}]; }}")
            else:
                hi = draw(st.sampled_from([1, 3, 10, 10 ** 9]))
                lines.append("barrier q;" if version == 2 else f"for int i in [0:{hi}] {{ h q[{a}]; }}")
        return "\n".join(lines) + "\n"

    return prog()


def _py_strategy():
    from hypothesis import strategies as st

    @st.composite
    def prog(draw) -> str:
        n = draw(st.integers(1, 4))
        body = [f"    q = qubits({draw(st.sampled_from([n, n, 0, 10 ** 6]))})"]
        for _ in range(draw(st.integers(0, 8))):
            k = draw(st.integers(0, 3))
            a, b = draw(st.integers(0, n)), draw(st.integers(0, n))
            if k == 0:
                body.append(f"    h(q[{a}])")
            elif k == 1:
                body.append(f"    ry({draw(st.sampled_from(['0.5', 'x[0]', '-' * 30 + '1.0', 'x[9]']))}, q[{a}])")
            elif k == 2:
                body.append(f"    cx(q[{a}], q[{b}])")
            else:
                body.append(f"    for i in range({draw(st.sampled_from([n, 3, 10 ** 7]))}):\n        x(q[i])")
        return f"from qglm_ir.lang import *\n\n@kernel\ndef main(x: Angles[{n}]):\n" + "\n".join(body) + "\n"

    return prog()


def _device_strategy():
    from hypothesis import strategies as st

    num = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-2, 10 ** 6))

    @st.composite
    def dev(draw) -> str:
        n = draw(st.sampled_from([1, 2, 3, 5, 100000]))
        d: dict = {"num_qubits": n}
        if draw(st.booleans()):
            d["coupling_map"] = draw(st.lists(st.lists(st.integers(-1, 6), min_size=1, max_size=3), max_size=6))
        if draw(st.booleans()):
            d["basis_gates"] = draw(st.lists(st.sampled_from(["cx", "rz", "sx", "x", "ecr", "foo"]), max_size=4))
        if draw(st.booleans()) and n < 10:
            d["qubits"] = [{"t1": draw(num), "t2": draw(num)} for _ in range(n)]
        if draw(st.booleans()):
            d["gates"] = draw(st.lists(st.fixed_dictionaries(
                {"gate": st.sampled_from(["cx", "sx", "measure", "zz"]),
                 "qubits": st.lists(st.integers(0, 4), max_size=3), "error": num}), max_size=4))
        text = json.dumps(d)
        if draw(st.integers(0, 9)) == 0:  # a duplicate key
            text = text.replace('{"num_qubits"', '{"num_qubits": 1, "num_qubits"', 1)
        return text

    return dev()


_STRATEGIES: dict[str, Callable[[], object]] = {
    "qglm": lambda: _lark_strategy("qglm.lark"),
    "qglmir": lambda: _lark_strategy("ir.lark"),
    "qasm2": lambda: _qasm_strategy(2),
    "qasm3": lambda: _qasm_strategy(3),
    "py": _py_strategy,
    "device": _device_strategy,
}


def generated(kind: str, n: int, seed: int) -> list[tuple[str, bytes]]:
    """``n`` hypothesis-drawn programs of ``kind``."""
    if n <= 0:
        return []
    progs = _collect(_STRATEGIES[kind](), n, seed)
    return [(f"gen{i}{KINDS[kind]}", p.encode("utf-8", "surrogateescape")) for i, p in enumerate(progs)]


def mutated(kind: str, n: int, seed: int) -> list[tuple[str, bytes]]:
    """``n`` mutations of the seeds of ``kind``."""
    rng = random.Random(f"{kind}:{seed}")
    base = seeds(kind)
    pool = [t for _, d in base for t in _TOKEN.findall(d) if t.strip()]
    out = []
    for i in range(n):
        name, data = base[i % len(base)]
        out.append((f"mut{i}-{name}", mutate(data, rng, pool)))
    return out


def generate(per_kind: int, seed: int = 0, kinds: list[str] | None = None) -> list[tuple[str, str, bytes]]:
    """``per_kind`` inputs of each kind (half generated, half mutated): ``(kind, name, data)``."""
    out: list[tuple[str, str, bytes]] = []
    for kind in kinds or list(KINDS):
        gen = generated(kind, per_kind // 2, seed)
        mut = mutated(kind, per_kind - len(gen), seed)
        out += [(kind, name, data) for name, data in gen + mut]
    return out


__all__ = ["KINDS", "generate", "generated", "mutate", "mutated", "seeds"]

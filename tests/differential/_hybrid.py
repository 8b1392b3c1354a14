"""Hybrid programs from the user's side: inputs as ``.npy`` files, ``qglmc run --exact`` (exact mode).

``qglmc run`` compiles and executes with the reference engine; ``--exact``
asks for exact ``expval``/``probs`` (``qglm_ir.engine.run``: "None/0 gives exact
expval/probs where the simulator can"). Inputs and parameters without an
``init`` are read from the program's own CFG JSON (names, types) and filled
with seeded random values; parameters with an ``init`` keep it.

:func:`text_classifier_reference` recomputes the text classifier by hand with
numpy (dense layers, ``pi * sigmoid``, an 8-qubit statevector of the Ry/CNOT
ring, ``<Z>`` per qubit, head, softmax) from the same values.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from ._cli import EXAMPLES, qglmc

#: every example with a host model (``model``/``fn``), and the kernel width of each
HOST_EXAMPLES = {
    "text_classifier": 8,
    "peft_classifier": 8,
    "fallback": 4,
    "prompt_encoder": 4,
    "teleport": 3,
}


def program_cfg(example: str, tmp: Path) -> dict:
    """The example's CFG JSON at ``-O0`` without a device (names and types of inputs and params)."""
    out = tmp / f"{example}.cfg.json"
    r = qglmc(["-q", "compile", str(EXAMPLES / f"{example}.qglm"), "-O0", "--target", "cfg", "-o", str(out)])
    assert r.rc == 0, r.stderr
    return json.loads(out.read_text())


def _shape_dtype(t: str) -> tuple[tuple[int, ...], str]:
    m = re.fullmatch(r"tensor<((?:\d+x)*)(\w+)>", t)
    if m:
        dims = tuple(int(d) for d in m.group(1).split("x") if d)
        return dims, m.group(2)
    return (), t


def make_inputs(cfg: dict, tmp: Path, seed: int = 0) -> tuple[list[str], dict[str, np.ndarray]]:
    """``--input NAME=FILE.npy`` flags for every entry argument and every parameter without an init."""
    rng = np.random.default_rng(seed)
    values: dict[str, np.ndarray] = {}
    for arg in cfg["inputs"]:
        shape, dt = _shape_dtype(arg["type"])
        if dt == "i1":
            values[arg["name"]] = np.array(True)
        elif dt.startswith("i"):
            values[arg["name"]] = np.array(5, dtype=np.int64)  # a token id (< every vocab in examples/)
        else:
            values[arg["name"]] = rng.normal(size=shape)
    for name, p in cfg["params"].items():
        if p.get("init") is None:
            shape, _ = _shape_dtype(p["type"])
            fan_in = shape[-1] if shape else 1
            values[name] = rng.normal(scale=1 / np.sqrt(fan_in), size=shape)
    flags = []
    for name, v in values.items():
        path = tmp / f"{name}.npy"
        np.save(path, v)
        flags += ["--input", f"{name}={path}"]
    return flags, values


def run_exact(example: str, flags: list[str], level: int, device: str | None) -> tuple[int, dict, str]:
    """``qglmc run EXAMPLE.qglm -O LEVEL [--device D] --exact``: (exit code, outputs, stderr)."""
    argv = ["run", str(EXAMPLES / f"{example}.qglm"), "-O", str(level), "--exact", *flags]
    if device:
        argv += ["--device", device]
    r = qglmc(argv)
    return r.rc, (json.loads(r.stdout) if r.rc == 0 else {}), r.stderr


def param_init(cfg: dict, name: str) -> np.ndarray:
    """A parameter's ``init`` value as the program states it (dense data in the CFG JSON)."""
    init = cfg["params"][name]["init"]
    dense = init["dense"]
    return np.asarray(dense["data"], dtype=float).reshape(dense["shape"])


# ----------------------------------------------------------- numpy by hand
def _apply_1q(state: np.ndarray, n: int, q: int, u: np.ndarray) -> np.ndarray:
    psi = state.reshape([2] * n)  # axis k is qubit n-1-k (little-endian index)
    ax = n - 1 - q
    psi = np.moveaxis(np.tensordot(u, psi, axes=([1], [ax])), 0, ax)
    return psi.reshape(-1)


def _ry(theta: float) -> np.ndarray:
    c, s = np.cos(theta / 2), np.sin(theta / 2)
    return np.array([[c, -s], [s, c]])


def _cx(state: np.ndarray, n: int, control: int, target: int) -> np.ndarray:
    idx = np.arange(2**n)
    flipped = np.where((idx >> control) & 1, idx ^ (1 << target), idx)
    out = np.empty_like(state)
    out[flipped] = state
    return out


def ring_ansatz_z(x: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """``<Z_i>`` of the ``ring_ansatz`` kernel of examples/ansatz.qglm, by statevector."""
    n = len(x)
    state = np.zeros(2**n)
    state[0] = 1.0
    for i in range(n):
        state = _apply_1q(state, n, i, _ry(x[i]))
    for layer in theta:
        for i in range(n):
            state = _apply_1q(state, n, i, _ry(layer[i]))
        for i in range(n):
            state = _cx(state, n, i, (i + 1) % n)
    probs = np.abs(state) ** 2
    idx = np.arange(2**n)
    return np.array([probs @ (1 - 2 * ((idx >> i) & 1)) for i in range(n)])


def text_classifier_reference(values: dict[str, np.ndarray], ansatz_theta: np.ndarray) -> np.ndarray:
    """examples/text_classifier.qglm by hand: dense(relu) -> dense(tanh) -> pi*sigmoid -> ansatz -> <Z>
    -> dense -> softmax."""
    h = np.maximum(values["encoder_w"] @ values["embedding"] + values["encoder_b"], 0.0)
    f = np.tanh(values["project_w"] @ h + values["project_b"])
    angles = np.pi / (1.0 + np.exp(-f))
    z = ring_ansatz_z(angles, ansatz_theta)
    logits = values["head_w"] @ z + values["head_b"]
    e = np.exp(logits - logits.max())
    return e / e.sum()

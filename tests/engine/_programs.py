"""Shared inputs for the engine tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qglm_ir.frontends.dsl import compile_file
from qglm_ir.text import parse_module

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name: str):
    path = EXAMPLES / name
    if name.endswith(".qglmir"):
        return parse_module(path.read_text(), str(path))
    return compile_file(str(path))


def classifier_inputs(seed: int = 1) -> dict[str, np.ndarray]:
    """A fixed embedding and weights for examples/text_classifier.qglm."""
    rng = np.random.default_rng(seed)
    return {
        "embedding": rng.normal(size=768),
        "encoder_w": rng.normal(size=(128, 768)) * 0.05,
        "encoder_b": rng.normal(size=128) * 0.1,
        "project_w": rng.normal(size=(8, 128)) * 0.2,
        "project_b": np.zeros(8),
        "head_w": rng.normal(size=(2, 8)),
        "head_b": np.array([0.1, -0.1]),
    }


def fallback_inputs(use_quantum: bool, seed: int = 2) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "xs": rng.normal(size=(8, 16)),
        "use_quantum": np.bool_(use_quantum),
        "embedder_w": rng.normal(size=(4, 16)) * 0.3,
        "embedder_b": rng.normal(size=4),
        "classical_w": rng.normal(size=(4, 4)),
        "classical_b": rng.normal(size=4),
        "head_w": rng.normal(size=(3, 4)),
        "head_b": rng.normal(size=3),
    }


def simulators() -> list[str]:
    """The simulators available here (aer is an optional extra)."""
    out = ["tn", "cirq"]
    try:
        import qiskit_aer  # noqa: F401
    except ImportError:
        return out
    return ["tn", "aer", "cirq"]

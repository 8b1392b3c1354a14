"""What the engine needs to know about a called kernel, and the simulator protocol.

A *readout* is the tuple of classical bits a host reads from one run of a
kernel, as its readout contract says (:mod:`qglm_ir.dialects.readout`): its
returned ``i1`` values, or the Z measurement at the end of its program qubits
(``final_layout[k]`` for a mapped kernel, never the device's idle qubits).
Outcomes are integers ``sum(b_j << j)`` (little-endian, like Qiskit).

Simulators get the kernel restricted to the wires it touches
(:func:`qglm_ir.semantics.active.restrict_to_active`), so a program mapped onto
a 127-qubit device runs at the size of the program.

A simulator turns ``(kernel, classical inputs, parameter values)`` into either
exact readout probabilities or sampled outcomes; the engine derives every
statistic (expval, probs, counts, sample, run) from those two primitives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from ..core.ir import Operation
from ..core.types import Type
from ..dialects.readout import readout_of


@dataclass(frozen=True)
class KernelSpec:
    """A called kernel: its op, classical inputs, readout and the features simulators care about."""

    name: str
    kernel: Operation  # the kernel to simulate: the called one restricted to its active wires
    module: Operation  # the module holding ``kernel``
    inputs: tuple[tuple[str, Type], ...]  # classical arguments: (name, type)
    source: str  # "returns" or "wires"
    width: int  # readout bits
    num_wires: int  # wires of ``kernel``
    readout_wires: tuple[int, ...]  # source "wires": the wire of ``kernel`` read for each readout bit
    noisy: bool  # has noise.* annotations
    measures: bool  # measures or resets mid-circuit (no exact readout from a single state)

    @classmethod
    def of(cls, kernel: Operation) -> KernelSpec:
        from ..semantics.active import restrict_to_active
        from ..semantics.binding import resolve_kernel

        body = kernel.regions[0].blocks[0]
        inputs = tuple((a.name_hint or f"arg{i}", a.type)
                       for i, a in enumerate(a for a in body.args if not a.type.is_qubit))
        readout = readout_of(kernel)
        name = str(kernel.properties.get("sym_name"))
        small, wires = restrict_to_active(kernel, keep=readout.wires)
        position = {w: j for j, w in enumerate(wires)}
        module = resolve_kernel(small)[1]
        assert module is not None, "a called kernel lives in a module"
        kernel = small
        noisy = measures = False
        for op in kernel.walk():
            if op.name.startswith("noise."):
                noisy = True
            elif op.name in ("q.measure", "q.reset", "func.call"):
                measures = True  # a callee may measure; treat calls conservatively
        return cls(
            name=name,
            kernel=kernel,
            module=module,
            inputs=inputs,
            source="wires" if readout.from_wires else "returns",
            width=readout.width,
            num_wires=len(wires),
            readout_wires=tuple(position[w] for w in readout.wires),
            noisy=noisy,
            measures=measures,
        )


class Simulator(Protocol):
    """What the engine asks of a simulator (see the module docstring)."""

    name: str

    def exact(self, spec: KernelSpec, args: list[Any], params: dict[str, Any]) -> np.ndarray | None:
        """Exact readout probabilities (length ``2^width``), or ``None`` if this simulator cannot give them."""
        ...

    def sample(self, spec: KernelSpec, args: list[Any], params: dict[str, Any], shots: int, seed: int) -> np.ndarray:
        """``shots`` readout outcomes (int64 array), reproducible for a given ``seed``."""
        ...


def symbol_values(spec: KernelSpec, args: list[Any], params: dict[str, Any]) -> dict[str, float]:
    """Values of a backend circuit's symbols: ``x`` for scalars, ``x[i]`` for tensor elements (row-major)."""
    out: dict[str, float] = {}
    named = [(name, v) for (name, _), v in zip(spec.inputs, args)] + list(params.items())
    for name, v in named:
        arr = np.asarray(v)
        if arr.ndim == 0:
            out[name] = float(arr)
        else:
            for i, x in enumerate(arr.reshape(-1)):
                out[f"{name}[{i}]"] = float(x)
    if any(op.dialect == "embed" for op in spec.kernel.walk()):  # embedding angles come from the data
        from ..embedding.binding import derived_symbol_values

        out.update(derived_symbol_values(spec.kernel, {name: v for (name, _), v in zip(spec.inputs, args)}))
    return out


def outcomes_from_bits(bits: np.ndarray) -> np.ndarray:
    """``(shots, k)`` bits (column j = readout bit j) -> little-endian outcome integers."""
    bits = np.asarray(bits, dtype=np.int64)
    if bits.ndim != 2:
        raise ValueError("expected a (shots, k) bit array")
    return (bits << np.arange(bits.shape[1], dtype=np.int64)[None, :]).sum(axis=1) if bits.shape[1] else \
        np.zeros(bits.shape[0], dtype=np.int64)


def normalized(probs: np.ndarray) -> np.ndarray:
    """Clip rounding noise (tiny negatives) and renormalize."""
    p = np.clip(np.asarray(probs, dtype=np.float64), 0.0, None)
    return p / p.sum()

"""Density-matrix simulation of noisy kernels on the semantics' interpreter.

The pure-state semantics (:mod:`qglm_ir.semantics`) treats ``noise.*`` ops as
identities. To honour them, this module runs the same
:class:`~qglm_ir.semantics.interpreter.Interpreter` (classical evaluation,
loops, feed-forward, branch enumeration over measurement outcomes) with a
:class:`DensityMatrixSink` in place of the pure-state sink, on a clone of the
kernel whose noise ops carry a name of their own (:func:`with_channel_ops`),
handled by applying each channel's Kraus operators
(:func:`qglm_ir.dialects.noise.kraus_operators`).

Requires: a verified kernel with at most :data:`MAX_DENSITY_WIRES` wires.
Guarantees: exact readout probabilities (mixtures over measurement branches
and noise), little-endian over readout bits like the rest of the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.errors import SemanticsError
from ..core.ir import Operation
from ..core.module import SymbolTable
from ..dialects import noise as noise_dialect
from ..semantics.binding import ParamResolver, bind_inputs, resolve_kernel
from ..semantics.interpreter import Branch, Interpreter
from ..semantics.state import PRUNE, apply_gate, permutation_axes, to_little_endian

# rho has 2n axes (4^n amplitudes): 12 wires is 256 MiB of complex128.
MAX_DENSITY_WIRES = 12
_ZERO_DM = np.array([[1.0, 0.0], [0.0, 0.0]], dtype=np.complex128)


class DensityMatrixSink:
    """A mixed state of one measurement branch: a ``(2,)*2n`` tensor, axes ``[ket_0..ket_{n-1}, bra_0..bra_{n-1}]``.

    Implements the sink protocol the interpreter drives (``n``, ``alloc``,
    ``gate``, ``phase``, ``measure``, ``reset``, ``pad``, ``permute``) plus
    :meth:`channel` for noise.
    """

    __slots__ = ("rho",)

    def __init__(self, rho: np.ndarray):
        self.rho = rho

    @classmethod
    def empty(cls) -> DensityMatrixSink:
        return cls(np.ones((), dtype=np.complex128))

    @property
    def n(self) -> int:
        return self.rho.ndim // 2

    def alloc(self) -> int:
        n = self.n
        if n + 1 > MAX_DENSITY_WIRES:
            raise SemanticsError(
                f"density-matrix simulation is limited to {MAX_DENSITY_WIRES} qubits",
                help="remove the noise annotations to simulate wider kernels with pure states",
            )
        rho = np.multiply.outer(self.rho, _ZERO_DM)  # [ket.., bra.., ket_new, bra_new]
        self.rho = np.moveaxis(rho, 2 * n, n)
        return n

    def gate(self, matrix: np.ndarray, slots: tuple[int, ...]) -> None:
        n = self.n
        rho = apply_gate(self.rho, matrix, slots)
        self.rho = apply_gate(rho, matrix.conj(), tuple(n + s for s in slots))

    def channel(self, kraus: Sequence[np.ndarray], slot: int) -> None:
        """``rho -> sum_k K rho K^dagger`` on ``slot``."""
        n = self.n
        out = None
        for k in kraus:
            term = apply_gate(apply_gate(self.rho, k, (slot,)), k.conj(), (n + slot,))
            out = term if out is None else out + term
        assert out is not None
        self.rho = out

    def phase(self, factor: complex) -> None:
        """A global phase cancels in ``U rho U^dagger``."""

    def _index(self, slot: int, ket: int, bra: int) -> tuple[Any, ...]:
        idx: list[Any] = [slice(None)] * self.rho.ndim
        idx[slot] = ket
        idx[self.n + slot] = bra
        return tuple(idx)

    def _weight(self, slot: int, bit: int) -> float:
        part = self.rho[self._index(slot, bit, bit)]
        m = part.ndim // 2
        return float(np.real(np.trace(part.reshape(1 << m, 1 << m)))) if m else float(np.real(part))

    def measure(self, slot: int, op: Operation) -> list[tuple[float, int, DensityMatrixSink]]:
        """Born-rule split into ``(probability, bit, post-measurement sink)`` per outcome."""
        w = [self._weight(slot, 0), self._weight(slot, 1)]
        tot = w[0] + w[1]
        out: list[tuple[float, int, DensityMatrixSink]] = []
        for bit in (0, 1):
            p = w[bit] / tot
            if p <= PRUNE:
                continue
            rho = np.zeros_like(self.rho)
            idx = self._index(slot, bit, bit)
            rho[idx] = self.rho[idx] / w[bit]
            out.append((p, bit, DensityMatrixSink(rho)))
        return out

    def reset(self, slot: int, op: Operation) -> list[tuple[float, DensityMatrixSink]]:
        """Reset to |0><0|: deterministic for a density matrix (no branching)."""
        rho = np.zeros_like(self.rho)
        rho[self._index(slot, 0, 0)] = self.rho[self._index(slot, 0, 0)] + self.rho[self._index(slot, 1, 1)]
        return [(1.0, DensityMatrixSink(rho))]

    def pad(self, n: int) -> None:
        while self.n < n:
            self.alloc()

    def permute(self, perm: Sequence[int]) -> None:
        axes = permutation_axes(perm)
        n = self.n
        self.rho = np.transpose(self.rho, axes + [n + a for a in axes])

    def probabilities(self, outputs: Sequence[int]) -> np.ndarray:
        """Diagonal of rho over the output wires, little-endian (wire ``j`` = slot ``outputs[j]``)."""
        n = self.n
        diag = np.einsum(self.rho, list(range(n)) * 2, list(range(n))).real
        return np.asarray(to_little_endian(diag, outputs), dtype=np.float64)


CHANNEL_OP = "engine.channel"


def with_channel_ops(kernel: Operation) -> tuple[Operation, dict[Operation, list[np.ndarray]]]:
    """A clone of ``kernel``'s module in which every ``noise.*`` op is renamed :data:`CHANNEL_OP`.

    The semantics interpreter runs ``noise.*`` ops as identities before it
    consults any handler, so the noisy interpreter needs a name of its own.
    Returns the cloned kernel and each channel op's Kraus operators. The
    caller's module is not touched.
    """
    kernel, module = resolve_kernel(kernel)
    name = kernel.properties.get("sym_name")
    clone = module.clone() if module is not None else kernel.clone()
    kraus: dict[Operation, list[np.ndarray]] = {}
    found = clone
    for op in clone.walk():
        if op.name.startswith("noise."):
            kraus[op] = noise_dialect.kraus_operators(op)
            op.name = CHANNEL_OP
        elif op.name == "q.kernel" and op.properties.get("sym_name") == name:
            found = op
    return found, kraus


class NoisyInterpreter(Interpreter):
    """The semantics' interpreter with channel ops applied to a :class:`DensityMatrixSink`."""

    def __init__(self, params: ParamResolver, symbols: SymbolTable | None,
                 kraus: dict[Operation, list[np.ndarray]]):
        super().__init__(params, symbols)
        self.kraus = kraus
        self.register_handler(CHANNEL_OP, self._channel)

    def _channel(self, op: Operation, batch: list[Branch]) -> list[Branch]:
        s = self.slot[noise_dialect.ChannelOp(op).qubit]
        self.slot[op.results[0]] = s
        kraus = self.kraus[op]
        for b in batch:
            b.sink.channel(kraus, s)
        return batch


def noisy_readout_probabilities(
    kernel: Operation, inputs: Sequence[Any], params: dict[str, Any], source: str,
    kraus: dict[Operation, list[np.ndarray]],
) -> np.ndarray:
    """Exact readout probabilities of a kernel prepared by :func:`with_channel_ops` (no qubit arguments).

    ``source`` is ``"returns"`` (readout bits = the returned ``i1`` values) or
    ``"wires"`` (Z measurement of every output wire at the end).
    """
    kernel, module = resolve_kernel(kernel)
    classical = bind_inputs(kernel, list(inputs))
    symbols = SymbolTable(module) if module is not None else None
    interp = NoisyInterpreter(ParamResolver(module, params), symbols, kraus)
    res = interp.run(kernel, [Branch(DensityMatrixSink.empty())], classical)
    if source == "returns":
        k = len(res.returns[0]) if res.returns else 0
        probs = np.zeros(1 << k)
        for b, ret in zip(res.batch, res.returns):
            probs[sum(int(bool(x)) << j for j, x in enumerate(ret))] += b.weight
        return probs
    total: np.ndarray | None = None
    for b in res.batch:
        p = b.weight * b.sink.probabilities(res.outputs)
        total = p if total is None else total + p
    assert total is not None
    return total

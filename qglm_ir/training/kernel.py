"""A measurement-free ``q.kernel`` as a differentiable, batched function.

:class:`KernelProgram` flattens a kernel once (:func:`~.tape.trace_kernel`) and
then evaluates ``statistic(kernel(args; params))`` for a whole batch of
argument/parameter vectors in one vectorized pass, with exact gradients
(adjoint) or parameter-shift gradients (exact or shot-based, optionally under a
:class:`~.noise.NoiseSpec`). Statistics follow the engine's conventions
(:mod:`qglm_ir.engine.dispatch`): ``expval`` is ``<Z_j>`` of readout bit ``j``
(``(B, width)``), ``probs`` the little-endian readout distribution
(``(B, 2**width)``).

Batch convention: ``args[i]`` has shape ``(B, *shape_i)`` and ``params[name]``
``(B, *shape)``; an array without the leading batch axis (exactly ``shape``) is
shared by every sample. Gradients always come back with the batch axis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.ir import Operation
from ..core.types import TensorType, Type
from .errors import TrainingError
from .tape import Tape, trace_kernel

if TYPE_CHECKING:
    from ..engine.kernels import KernelSpec
    from .noise import NoiseSpec

STATISTICS = ("expval", "probs")
METHODS = ("adjoint", "parameter-shift")


def _shape(t: Type) -> tuple[int, ...]:
    return tuple(t.shape) if isinstance(t, TensorType) else ()


class KernelProgram:
    """A measurement-free q.kernel with symbolic angles, flattened once for batched simulation."""

    def __init__(self, tape: Tape, name: str = "kernel", loc: Any = None):
        self.tape = tape
        self.name = name
        self.loc = loc
        ins = tape.symbols[: tape.num_inputs]
        pars = tape.symbols[tape.num_inputs:]
        self.inputs: tuple[tuple[str, tuple[int, ...]], ...] = tuple((n, s) for n, s, _ in ins)
        self.params: tuple[tuple[str, tuple[int, ...]], ...] = tuple((n, s) for n, s, _ in pars)
        self.width: int = len(tape.readout)
        self.A, self.b = tape.affine_map()

    # ------------------------------------------------------------ construction
    @classmethod
    def from_spec(cls, spec: KernelSpec) -> KernelProgram:
        """Flatten the engine's view of a called kernel (restricted to its active wires).

        Raises :class:`TrainingError` at the offending op for kernels that measure,
        reset or feed forward, carry noise annotations, or compute an angle that is
        not affine in the kernel's inputs and parameters."""
        if spec.source != "wires":
            raise TrainingError(
                f"kernel @{spec.name} returns measured bits; gradients need a measurement-free kernel "
                "read out in the Z basis",
                spec.kernel.loc,
                help="drop the measurements: a kernel without returned bits is read out on its qubits",
            )
        tape = trace_kernel(spec.kernel, [(n, _shape(t)) for n, t in spec.inputs], spec.readout_wires)
        return cls(tape, spec.name, spec.kernel.loc)

    @classmethod
    def from_kernel(cls, kernel: Operation) -> KernelProgram:
        """From a ``q.kernel`` op (or a module holding one): the engine's :class:`KernelSpec` of it."""
        from ..engine.kernels import KernelSpec
        from ..semantics.binding import resolve_kernel

        return cls.from_spec(KernelSpec.of(resolve_kernel(kernel)[0]))

    # ---------------------------------------------------------------- binding
    @property
    def num_angles(self) -> int:
        return self.tape.num_angles

    def batch_size(self, args: Sequence[Any], params: Mapping[str, Any]) -> int:
        sizes = set()
        named = list(zip(self.inputs, args)) + [((n, s), params[n]) for n, s in self.params if n in params]
        for (name, shape), v in named:
            a = np.asarray(v)
            if a.shape == tuple(shape):
                continue
            if a.ndim == len(shape) + 1 and a.shape[1:] == tuple(shape):
                sizes.add(a.shape[0])
                continue
            raise TrainingError(f"kernel @{self.name}: '{name}' expects shape (B, {', '.join(map(str, shape))})"
                                f" or {tuple(shape)}, got {a.shape}")
        if len(sizes) > 1:
            raise TrainingError(f"kernel @{self.name}: inconsistent batch sizes {sorted(sizes)}")
        return sizes.pop() if sizes else 1

    def symbols(self, args: Sequence[Any], params: Mapping[str, Any]) -> np.ndarray:
        """The ``(B, n_symbols)`` symbol matrix: flattened args, then parameters."""
        if len(args) != len(self.inputs):
            raise TrainingError(f"kernel @{self.name} takes {len(self.inputs)} argument(s), got {len(args)}")
        missing = [n for n, _ in self.params if n not in params]
        if missing:
            raise TrainingError(f"kernel @{self.name} reads parameter(s) {', '.join(missing)} with no value")
        B = self.batch_size(args, params)
        cols = []
        values = list(args) + [params[n] for n, _ in self.params]
        for (_, shape, _), v in zip(self.tape.symbols, values):
            a = np.asarray(v, dtype=np.float64)
            size = int(np.prod(shape))
            cols.append(np.broadcast_to(a.reshape(-1 if a.shape != tuple(shape) else 1, size), (B, size)))
        return np.concatenate(cols, axis=1) if cols else np.zeros((B, 0))

    def angles(self, args: Sequence[Any], params: Mapping[str, Any]) -> np.ndarray:
        """``(B, n_angles)`` gate angles ``symbols @ A.T + b``."""
        return self.symbols(args, params) @ self.A.T + self.b

    def split_symbol_grads(self, g: np.ndarray) -> tuple[list[np.ndarray], dict[str, np.ndarray]]:
        """``(B, n_symbols)`` gradients -> per-argument ``(B, *shape)`` and per-parameter arrays."""
        B = g.shape[0]
        outs = [g[:, off:off + int(np.prod(s))].reshape((B,) + tuple(s)) for _, s, off in self.tape.symbols]
        k = self.tape.num_inputs
        return outs[:k], {n: o for (n, _), o in zip(self.params, outs[k:])}

    # -------------------------------------------------------------- evaluation
    def _check_stat(self, statistic: str) -> None:
        if statistic not in STATISTICS:
            raise TrainingError(f"unknown statistic {statistic!r} (choose expval or probs)")

    def forward_angles(self, angles: np.ndarray, statistic: str, noise: NoiseSpec | None = None) -> np.ndarray:
        """The statistic for a ``(B, n_angles)`` batch of gate angles (exact)."""
        from .shift import tape_probs
        from .statevector import statistic as stat_of

        self._check_stat(statistic)
        noise = None if noise is None or noise.is_zero else noise
        return stat_of(tape_probs(self.tape, angles, noise), statistic, self.width)

    def forward(self, args: Sequence[Any], params: Mapping[str, Any], statistic: str,
                noise: NoiseSpec | None = None) -> np.ndarray:
        """``expval`` -> ``(B, width)``, ``probs`` -> ``(B, 2**width)``; exact (no shots)."""
        return self.forward_angles(self.angles(args, params), statistic, noise)

    def angle_vjp(self, angles: np.ndarray, statistic: str, cotangent: np.ndarray, method: str = "adjoint",
                  shots: int | None = None, seed: int = 0, noise: NoiseSpec | None = None,
                  client: Any = None) -> np.ndarray:
        """``(B, n_angles)`` gradient of ``sum(cotangent * statistic)`` w.r.t. each gate angle.
        ``client``: parameter shift evaluates its shifted circuits on that Dask cluster."""
        self._check_stat(statistic)
        noise = None if noise is None or noise.is_zero else noise
        cot = np.asarray(cotangent, dtype=np.float64)
        want = (angles.shape[0], self.width if statistic == "expval" else 1 << self.width)
        if cot.shape != want:
            raise TrainingError(f"kernel @{self.name}: cotangent must have shape {want}, got {cot.shape}")
        if method == "adjoint":
            if noise is not None or shots:
                raise TrainingError("adjoint differentiation is exact and noise-free: use "
                                    "method='parameter-shift' for shots or noise")
            from .adjoint import adjoint_angle_grads

            return adjoint_angle_grads(self.tape, angles, statistic, cot)
        if method == "parameter-shift":
            from .shift import shift_angle_grads

            return shift_angle_grads(self.tape, angles, statistic, cot, shots=shots, seed=seed, noise=noise,
                                     client=client)
        raise TrainingError(f"unknown gradient method {method!r} (choose {' or '.join(METHODS)})")

    def vjp(self, args: Sequence[Any], params: Mapping[str, Any], statistic: str, cotangent: np.ndarray,
            method: str = "adjoint", shots: int | None = None, seed: int = 0, noise: NoiseSpec | None = None,
            client: Any = None) -> tuple[list[np.ndarray], dict[str, np.ndarray]]:
        """Gradients of ``sum(cotangent * forward(...))`` w.r.t. each argument ``(B, *shape_i)``
        and parameter ``(B, *shape)``. ``method``: ``"adjoint"`` (exact, noise-free) or
        ``"parameter-shift"`` (two-term; four-term for crx/cry/crz; ``shots=N`` samples every
        shifted circuit ``N`` times with ``seed``; with ``client``, on that Dask cluster)."""
        angles = self.angles(args, params)
        g = self.angle_vjp(angles, statistic, cotangent, method, shots, seed, noise, client)
        return self.split_symbol_grads(g @ self.A)

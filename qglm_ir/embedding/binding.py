"""Compile once, bind many: per-sample parameter values of an exported kernel.

A kernel with an amplitude or density embedding compiles (and maps) once; its
exported circuit keeps the embedding's angles as a parameter vector
(``x_angles[i]``, see :mod:`qglm_ir.dialects.embed`). :class:`Binder` turns a
*batch* of kernel inputs into the values of every circuit parameter in one
vectorized numpy computation, with no pass re-run and no per-gate Python work:

    module = qglm_ir.compile(program, device="heavy-hex:3")
    qc = to_qiskit(module, kernel="k")
    binder = Binder(module, "k", order=qc.parameters)
    values = binder.values({"x": batch})           # (B, qc.num_parameters)
    # e.g. SamplerV2().run([(qc, values)]), or qc.assign_parameters(values[i])

Parameter names follow the backends' convention (``x[3]`` for element 3 of a
tensor input, ``theta`` for a scalar, ``x_angles[7]`` for a derived angle);
trainable parameters take their ``init`` unless ``params`` gives them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from ..backends._kernel_view import CircuitView, build_view, sanitize
from ..core.errors import BackendError
from ..core.ir import BlockArgument, Operation
from ..dialects.embed import AnglesOp, angles_of


class Binder:
    """Values of a kernel's circuit parameters for batches of inputs (module docstring).

    Requires: ``module`` is the module the circuit was exported from (compiled or
    not) and ``kernel`` names one of its kernels (``None``: the only one).
    ``order`` lists parameter names or objects with a ``name`` (e.g. a Qiskit
    circuit's ``parameters``); the default is the view's symbol order.
    """

    def __init__(self, module: Operation, kernel: str | Operation | None = None,
                 order: Iterable[Any] | None = None):
        self.view: CircuitView = build_view(module, kernel)
        names = [getattr(p, "name", p) for p in order] if order is not None else list(self.view.symbols)
        unknown = [n for n in names if n not in self.view.symbols]
        if unknown:
            raise BackendError(f"parameters {unknown[:3]} are not symbols of kernel @{self.view.name}",
                               self.view.kernel.loc)
        self.parameter_names: list[str] = [str(n) for n in names]
        # For each derived vector: the data input it reads (kernel block argument name).
        self._sources: dict[str, tuple[Operation, str]] = {}
        for vec, op in self.view.derived.items():
            src = AnglesOp(op).data
            if not (isinstance(src, BlockArgument) and src.block is self.view.kernel.regions[0].block):
                raise BackendError("the embedded data must be a kernel input to bind it per sample", op.loc,
                                   help="pass the data to the kernel as an argument")
            self._sources[vec] = (op, sanitize(src.name_hint or "", f"in{src.index}"))
        # Output columns grouped by what fills them: derived angle vectors and data inputs
        # (vector -> (columns, element indices)), then trainable parameters one by one.
        derived: dict[str, tuple[list[int], list[int]]] = {}
        direct: dict[str, tuple[list[int], list[int]]] = {}
        self._param_cols: list[tuple[int, str]] = []
        for j, pname in enumerate(self.parameter_names):
            sym = self.view.symbols[pname]
            if sym.origin == "derived":
                assert sym.vector is not None
                group = derived.setdefault(sym.vector, ([], []))
            elif sym.origin == "input":
                group = direct.setdefault(sym.vector or sym.name, ([], []))
            else:
                self._param_cols.append((j, pname))
                continue
            group[0].append(j)
            group[1].append(sym.index)
        self._derived_cols = {k: (np.array(c, dtype=np.intp), np.array(i, dtype=np.intp))
                              for k, (c, i) in derived.items()}
        self._input_cols = {k: (np.array(c, dtype=np.intp), np.array(i, dtype=np.intp))
                            for k, (c, i) in direct.items()}
        # A kernel whose only parameters are one embedding's angles, in slot order (an exported
        # amplitude kernel with Qiskit's parameter order): the angle array *is* the output.
        cols_in_order = [list(range(len(self.parameter_names)))] * 2
        self._whole: str | None = next(
            (k for k, (c, i) in derived.items() if [c, i] == cols_in_order), None) \
            if len(derived) == 1 and not direct and not self._param_cols else None

    def values(self, inputs: Mapping[str, Any], params: Mapping[str, Any] | None = None) -> np.ndarray:
        """``(B, len(parameter_names))`` parameter values for a batch of inputs.

        ``inputs[name]`` holds one sample (the input's shape) or a batch (a leading
        axis); every input is broadcast to the largest batch. Raises
        :class:`SemanticsError` (located at the embedding) for data that cannot be
        embedded, :class:`BackendError` for a missing input or parameter value.
        """
        view = self.view
        arrays: dict[str, np.ndarray] = {}
        batch = 1
        shapes = {}
        for a in view.kernel.regions[0].block.args:
            if not a.type.is_qubit:
                shapes[sanitize(a.name_hint or "", f"in{a.index}")] = tuple(getattr(a.type, "shape", ()))
        for name, shape in shapes.items():
            if name in inputs:
                arr = np.asarray(inputs[name], dtype=np.float64)
                if arr.shape == shape:
                    arr = arr[None]
                elif arr.shape[1:] != shape:
                    raise BackendError(f"input '{name}' must have shape {shape} or (B, *{shape}), got {arr.shape}")
                arrays[name] = arr
                batch = max(batch, arr.shape[0])
        angles: dict[str, np.ndarray] = {}
        for vec in self._derived_cols:
            op, src = self._sources[vec]
            if src not in arrays:
                raise BackendError(f"missing input '{src}' for the embedding", op.loc)
            ang = np.asarray(angles_of(op, arrays[src]), dtype=np.float64)
            angles[vec] = ang.reshape(-1, ang.shape[-1])
        if self._whole is not None and angles[self._whole].shape == (batch, len(self.parameter_names)):
            return angles[self._whole]  # fresh from angles_of, columns already in order: no copy
        out = np.empty((batch, len(self.parameter_names)))
        # Columns are filled per source vector with one fancy-indexed copy each (a 766-column
        # complex embedding would otherwise cost a strided column copy per parameter).
        for vec, (cols, idx) in self._derived_cols.items():
            ang = angles[vec]
            out[:, cols] = ang[:, idx] if ang.shape[0] == batch else np.broadcast_to(ang[:, idx], (batch, len(idx)))
        for key, (cols, idx) in self._input_cols.items():
            if key not in arrays:
                raise BackendError(f"missing input '{key}'", view.kernel.loc)
            flat = arrays[key].reshape(arrays[key].shape[0], -1)
            out[:, cols] = flat[:, idx] if flat.shape[0] == batch else np.broadcast_to(flat[:, idx], (batch, len(idx)))
        for j, pname in self._param_cols:
            s = view.symbols[pname]
            given = None
            if params is not None:
                key = s.vector or s.name
                if key in params:
                    v = np.asarray(params[key], dtype=np.float64).reshape(-1)
                    given = float(v[s.index] if v.size > 1 else v[0])
            if given is None and s.init is None:
                raise BackendError(f"parameter '{pname}' has no value", view.kernel.loc,
                                   help="pass it in params=")
            out[:, j] = given if given is not None else s.init
        return out

    def symbol_values(self, inputs: Mapping[str, Any], params: Mapping[str, Any] | None = None) -> dict[str, float]:
        """One sample's values by parameter name (``{"x_angles[0]": 1.2, ...}``)."""
        row = self.values(inputs, params)[0]
        return dict(zip(self.parameter_names, map(float, row)))


def bind_qiskit(circuit: Any, module: Operation, kernel: str | Operation | None,
                inputs: Mapping[str, Any], params: Mapping[str, Any] | None = None) -> list[Any]:
    """Bound copies of an exported Qiskit ``circuit``, one per sample of ``inputs``
    (convenience for simulators that need bound circuits; primitives take
    :meth:`Binder.values` directly)."""
    binder = Binder(module, kernel, order=circuit.parameters)
    vals = binder.values(inputs, params)
    return [circuit.assign_parameters(row) for row in vals]


def derived_symbol_values(kernel: Operation, inputs: Mapping[str, Any]) -> dict[str, float]:
    """Values of the embedding-angle parameters (``x_angles[i]``) of ``kernel``'s circuit for
    one sample of its classical ``inputs`` (by name); empty when it embeds no data."""
    view = build_view(None, kernel)  # type: ignore[arg-type]
    names = [n for n, s in view.symbols.items() if s.origin == "derived"]
    if not names:
        return {}
    return Binder(None, kernel, order=names).symbol_values(inputs)  # type: ignore[arg-type]

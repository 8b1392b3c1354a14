"""Binding a kernel's classical inputs and the module's parameters to concrete values.

Requires: ``kernel`` is a ``q.kernel`` operation inside a ``builtin.module``
(or a module holding exactly one kernel). Guarantees: every value handed to
the interpreter is in the evaluator representation of
:mod:`qglm_ir.dialects.classical_eval` (Python scalars, typed numpy arrays),
and every binding mistake (unknown name, wrong shape, missing value) is a
:class:`SemanticsError` that names the input or parameter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..core.errors import SemanticsError
from ..core.ir import BlockArgument, Operation
from ..core.module import MODULE_OP, SymbolTable
from ..core.types import TensorType, Type
from ..dialects.classical_eval import coerce, param_init

Inputs = Mapping[str, Any] | Sequence[Any] | None
Params = Mapping[str, Any] | None


def kernel_names(module: Operation) -> list[str]:
    """Names of the ``q.kernel`` ops at the top of ``module``, in order."""
    return [
        str(op.properties.get("sym_name"))
        for op in module.regions[0].block
        if op.name == "q.kernel"
    ]


def resolve_kernel(obj: Operation) -> tuple[Operation, Operation | None]:
    """``(kernel, module)`` for a kernel op, or for a module with exactly one kernel."""
    if obj.name == MODULE_OP:
        kernels = [op for op in obj.regions[0].block if op.name == "q.kernel"]
        if len(kernels) != 1:
            names = ", ".join("@" + n for n in kernel_names(obj)) or "none"
            raise SemanticsError(
                f"expected a module with exactly one q.kernel, found {len(kernels)} ({names})",
                obj.loc,
                help="pass the kernel operation itself",
            )
        return kernels[0], obj
    if obj.name != "q.kernel":
        raise SemanticsError(f"expected a q.kernel operation, got {obj.name}", obj.loc)
    module = obj.parent_op
    while module is not None and module.name != MODULE_OP:
        module = module.parent_op
    return obj, module


def kernel_label(kernel: Operation) -> str:
    return "@" + str(kernel.properties.get("sym_name", "?"))


def classical_args(kernel: Operation) -> list[BlockArgument]:
    """The kernel's non-qubit block arguments, in order."""
    return [a for a in kernel.regions[0].blocks[0].args if not a.type.is_qubit]


def _convert(value: Any, t: Type, what: str, loc: Any) -> Any:
    try:
        if isinstance(t, TensorType):
            arr = np.asarray(value)
            if arr.shape != t.shape:
                raise SemanticsError(f"{what} expects shape {t.shape} ({t}), got shape {arr.shape}", loc)
            if arr.dtype.kind == "c":
                raise SemanticsError(f"{what} expects {t}, got complex values", loc)
        elif np.ndim(value) != 0:
            raise SemanticsError(f"{what} expects a scalar {t}, got an array of shape {np.shape(value)}", loc)
        return coerce(value, t)
    except SemanticsError:
        raise
    except (TypeError, ValueError) as exc:
        raise SemanticsError(f"{what} expects {t}, got {value!r} ({exc})", loc) from None


def bind_inputs(kernel: Operation, inputs: Inputs) -> dict[BlockArgument, Any]:
    """Concrete values for the kernel's classical arguments.

    ``inputs`` is a dict keyed by argument name (``name_hint``, or ``argN`` for
    the N-th classical argument when unnamed) or a list by position among the
    classical arguments. Arguments without uses need no value.
    """
    args = classical_args(kernel)
    label = kernel_label(kernel)
    names = [a.name_hint or f"arg{i}" for i, a in enumerate(args)]
    given: dict[int, Any] = {}
    if inputs is None:
        pass
    elif isinstance(inputs, Mapping):
        for key, value in inputs.items():
            if key not in names:
                known = ", ".join(repr(n) for n in names) or "none"
                raise SemanticsError(
                    f"kernel {label} has no classical input {key!r} (inputs: {known})", kernel.loc
                )
            given[names.index(key)] = value
    else:
        seq = list(inputs)
        if len(seq) > len(args):
            raise SemanticsError(
                f"kernel {label} takes {len(args)} classical input(s), got {len(seq)}", kernel.loc
            )
        given = dict(enumerate(seq))
    out: dict[BlockArgument, Any] = {}
    for i, a in enumerate(args):
        if i in given:
            out[a] = _convert(given[i], a.type, f"input {names[i]!r} of kernel {label}", kernel.loc)
        elif a.uses:
            raise SemanticsError(
                f"input {names[i]!r} (classical argument #{i}, {a.type}) of kernel {label} is not bound",
                kernel.loc,
                help=f"pass inputs={{{names[i]!r}: ...}}",
            )
    return out


class ParamResolver:
    """Values of ``param.get``: overrides first, then the declaration's ``init``.

    Built once per evaluation (one O(module) symbol-table scan); each lookup is
    O(1) and converts a value once.
    """

    def __init__(self, module: Operation | None, overrides: Params):
        self.symbols = SymbolTable(module) if module is not None else None
        self.overrides = dict(overrides or {})
        self._cache: dict[str, Any] = {}
        for name in self.overrides:
            decl = self.symbols.lookup(name) if self.symbols else None
            if decl is None or decl.name != "param.decl":
                known = self.declared()
                raise SemanticsError(
                    f"params names unknown parameter {name!r} (declared: {', '.join(known) or 'none'})",
                    module.loc if module is not None else None,
                )

    def declared(self) -> list[str]:
        if self.symbols is None:
            return []
        return [n for n, op in self.symbols.items() if op.name == "param.decl"]

    def get(self, name: str, op: Operation) -> Any:
        if name in self._cache:
            return self._cache[name]
        decl = self.symbols.lookup(name) if self.symbols else None
        if decl is None or decl.name != "param.decl":
            raise SemanticsError(f"param.get reads undeclared parameter @{name}", op.loc)
        t = decl.properties.get("type")
        assert isinstance(t, Type)
        if name in self.overrides:
            value = _convert(self.overrides[name], t, f"parameter @{name}", op.loc)
        else:
            value = param_init(decl)
            if value is None:
                raise SemanticsError(
                    f"parameter @{name} has no value: it declares no init and params= does not bind it",
                    op.loc,
                    help=f"pass params={{'{name}': ...}}",
                )
        self._cache[name] = value
        return value

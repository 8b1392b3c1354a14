"""The vocabulary of qglm's Python subset, importable so scripts run and linters are quiet.

Write ``from qglm_ir.frontends.python.lang import *`` (or import the names you
use) at the top of a model file. The compiler reads the file's *source* and
never calls these objects; they exist so that

* a script defining ``@kernel``/``@model`` functions can be run by Python
  (annotations such as ``Angles[8]`` evaluate, module-level ``param(...)`` and
  ``dense(...)`` declarations build inert descriptions);
* editors and linters know every name.

Calling a gate, ``measure`` or a builtin outside a compiled function raises a
:class:`~qglm_ir.core.errors.QglmError` explaining that qglm code is compiled,
not run. See ``docs/python-frontend.md`` for the language.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ...core.errors import QglmError
from .decorators import QglmFunction, function, kernel, model
from .vocabulary import (
    ALLOCATORS,
    CHANNELS,
    EMBEDDING_STATEMENTS,
    GATES,
    HOST_BUILTINS,
    INITIALIZERS,
    MEASURES,
    QUBIT_STATEMENTS,
    SCALAR_TYPES,
    STATS_BUILTINS,
    TENSOR_TYPES,
)

pi = math.pi


class NotCompiledError(QglmError):
    """A qglm-only function was called by Python instead of being compiled."""


# ------------------------------------------------------------------ types
@dataclass(frozen=True)
class TypeAnnotation:
    """What ``Angles[8]`` or ``Tensor[2, 8]`` evaluates to at run time: element type and shape."""

    marker: str
    element: str
    shape: tuple[Any, ...]

    def __repr__(self) -> str:
        return f"{self.marker}[{', '.join(map(str, self.shape))}]"


@dataclass(frozen=True)
class TensorMarker:
    """A subscriptable type marker: ``Tensor[768]``, ``Angles[8]``, ``Bits[8]``, ``Ints[4]``."""

    name: str
    element: str

    def __getitem__(self, dims: Any) -> TypeAnnotation:
        return TypeAnnotation(self.name, self.element, dims if isinstance(dims, tuple) else (dims,))

    def __repr__(self) -> str:
        return self.name


@dataclass(frozen=True)
class ScalarMarker:
    """A scalar type marker (``Bit``, ``Angle``); ``float``/``int``/``bool`` are used as they are."""

    name: str
    element: str

    def __repr__(self) -> str:
        return self.name


Tensor = TensorMarker("Tensor", TENSOR_TYPES["Tensor"])
Angles = TensorMarker("Angles", TENSOR_TYPES["Angles"])
Bits = TensorMarker("Bits", TENSOR_TYPES["Bits"])
Ints = TensorMarker("Ints", TENSOR_TYPES["Ints"])
Bit = ScalarMarker("Bit", SCALAR_TYPES["Bit"])
Angle = ScalarMarker("Angle", SCALAR_TYPES["Angle"])


# ------------------------------------------------------- module-level declarations
@dataclass(frozen=True)
class Initializer:
    """``uniform(0.0, 0.1, seed=7)`` and friends: a recorded initializer call."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ParamSpec:
    """What ``param(Tensor[2, 8], init=..., trainable=...)`` evaluates to when a script runs."""

    type: Any
    init: Any = None
    trainable: bool = True


@dataclass(frozen=True)
class LayerSpec:
    """What ``dense(768, 128, activation=relu)`` evaluates to at module level when a script runs."""

    kind: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    trainable: bool = True


def param(type: Any, *, init: Any = None, trainable: bool = True) -> ParamSpec:
    """Declare a module-level parameter (``trainable`` ones survive compilation unbound)."""
    return ParamSpec(type, init, trainable)


def _initializer(name: str) -> Any:
    def make(*args: Any, **kwargs: Any) -> Initializer:
        return Initializer(name, args, kwargs)

    make.__name__ = make.__qualname__ = name
    make.__doc__ = f"The ``{name}`` parameter initializer (recorded, evaluated by the compiler)."
    return make


def _layer(kind: str) -> Any:
    def make(*args: Any, trainable: bool = True, **kwargs: Any) -> LayerSpec:
        if kind == "dense" and args and not isinstance(args[0], int):
            raise _not_compiled("dense")  # dense(x, w, b) on values: only inside compiled code
        return LayerSpec(kind, args, kwargs, trainable)

    make.__name__ = make.__qualname__ = kind
    make.__doc__ = f"Declare a ``{kind}`` layer at module level: NAME = {kind}(in, out, ...)."
    return make


# ------------------------------------------------------------- stand-ins
def _not_compiled(name: str) -> NotCompiledError:
    return NotCompiledError(
        f"{name}() only has a meaning inside a @kernel, @model or @function body, which qglm compiles",
        help="compile the function (fn.compile() or qglm_ir.compile(fn.module)) instead of calling it",
    )


def _stub(name: str) -> Any:
    def stub(*args: Any, **kwargs: Any) -> Any:
        raise _not_compiled(name)

    stub.__name__ = stub.__qualname__ = name
    stub.__doc__ = f"``{name}`` in qglm code (compiled, never called by Python)."
    return stub


class _Namespace:
    """``noise.depolarizing(...)`` / ``gates.x(...)``: stand-ins grouped under a prefix."""

    def __init__(self, prefix: str, names: tuple[str, ...] | list[str]):
        self._prefix = prefix
        for n in names:
            setattr(self, n, _stub(f"{prefix}.{n}"))

    def __repr__(self) -> str:
        return f"<qglm {self._prefix} namespace>"


noise = _Namespace("noise", CHANNELS)
gates = _Namespace("gates", sorted(GATES))

_STUBS = sorted(
    {*GATES, *MEASURES, *ALLOCATORS, *QUBIT_STATEMENTS, *EMBEDDING_STATEMENTS, *HOST_BUILTINS, *STATS_BUILTINS,
     "sin", "cos"}
    - {"dense", "sum", "max", "min"}
)
for _name in _STUBS:
    globals()[_name] = _stub(_name)
for _name in INITIALIZERS:
    globals()[_name] = _initializer(_name)
dense = _layer("dense")
embedding = _layer("embedding")
token_angles = _layer("token_angles")

__all__ = [
    "Angle", "Angles", "Bit", "Bits", "Ints", "NotCompiledError", "QglmFunction", "Tensor",
    "function", "gates", "kernel", "model", "noise", "param", "pi",
    *_STUBS, *INITIALIZERS, "dense", "embedding", "token_angles",
]

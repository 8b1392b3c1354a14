"""The names the Python subset understands, in one place.

:mod:`.lang` (what users import) and :mod:`.translate` (what the compiler
reads) both take their names from here, so a name cannot be importable but
unknown to the compiler, or the other way round.
"""

from __future__ import annotations

from ...dialects.gates import GATES
from ...dialects.noise import CHANNELS
from ..dsl.checks import HOST_BUILTINS, INITIALIZERS, LAYER_KINDS, STATS_BUILTINS
from ..dsl.embeddings import EMBEDDINGS

#: decorator name -> kind of definition (``function`` is the DSL's ``fn``)
DECORATORS: dict[str, str] = {"kernel": "kernel", "model": "model", "function": "function"}

#: scalar annotation -> DSL type name
SCALAR_TYPES: dict[str, str] = {"float": "f64", "Angle": "f64", "int": "i64", "bool": "bool", "Bit": "bit"}

#: tensor annotation marker -> DSL element type name (``Angles[8]``, ``Tensor[2, 8]``...)
TENSOR_TYPES: dict[str, str] = {"Tensor": "f64", "Angles": "f64", "Bits": "bool", "Ints": "i64"}

#: statement-like quantum calls: name -> DSL statement kind
QUBIT_STATEMENTS = ("reset", "barrier", "free")

#: data-embedding statements: ``amplitude(x, q, pad=0.0)``, ``density(rho, q)`` (data first, then qubits)
EMBEDDING_STATEMENTS: tuple[str, ...] = tuple(EMBEDDINGS)

#: expression calls that measure: name -> consume?
MEASURES: dict[str, bool] = {"measure": False, "consume": True}

#: qubit allocation calls usable as ``q = qubits(n)`` / ``a = qubit()``
ALLOCATORS = ("qubits", "qubit")

#: ``math.X`` / ``numpy.X`` functions and constants with a DSL spelling
MATH_FUNCTIONS: dict[str, str] = {"sin": "sin", "cos": "cos", "tanh": "tanh"}
MATH_CONSTANTS: dict[str, str] = {"pi": "pi"}
MATH_MODULES = ("math", "numpy")

#: Python builtins that are also DSL builtins (same meaning on the subset's values)
PY_BUILTINS = ("float", "int", "sum", "max", "min")

#: every function a body may call without declaring it
BODY_BUILTINS: frozenset[str] = frozenset(
    {*HOST_BUILTINS, *STATS_BUILTINS, "sin", "cos", "float", "int"}
)

#: names :mod:`.lang` exports (the decorators, markers and stand-ins for the builtins)
LANG_NAMES: frozenset[str] = frozenset(
    {
        *DECORATORS, *SCALAR_TYPES, *TENSOR_TYPES, *QUBIT_STATEMENTS, *MEASURES, *ALLOCATORS, *EMBEDDING_STATEMENTS,
        *GATES, *HOST_BUILTINS, *STATS_BUILTINS, *INITIALIZERS, *LAYER_KINDS,
        "param", "noise", "gates", "pi", "sin", "cos",
    }
    - {"float", "int", "bool", "sum", "max", "min"}
)

__all__ = [
    "ALLOCATORS", "BODY_BUILTINS", "CHANNELS", "DECORATORS", "EMBEDDING_STATEMENTS", "GATES", "HOST_BUILTINS", "INITIALIZERS",
    "LANG_NAMES", "LAYER_KINDS", "MATH_CONSTANTS", "MATH_FUNCTIONS", "MATH_MODULES", "MEASURES",
    "PY_BUILTINS", "QUBIT_STATEMENTS", "SCALAR_TYPES", "STATS_BUILTINS", "TENSOR_TYPES",
]

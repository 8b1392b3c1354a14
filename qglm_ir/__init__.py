"""qglm: a compiler toolchain for hybrid quantum-classical model programs.

The import package is ``qglm_ir``. Importing it registers every dialect; the
heavy libraries (quimb, qiskit, cirq) are only imported by the modules that
need them.
"""

from . import dialects  # noqa: F401  (registers every op)
from .builder import KernelBuilder, ModuleBuilder
from .core import (
    Block,
    Builder,
    Location,
    Module,
    Operation,
    QglmError,
    Region,
    Value,
)

__version__ = "0.1.0"

__all__ = [
    "Block",
    "Builder",
    "KernelBuilder",
    "Location",
    "Module",
    "ModuleBuilder",
    "Operation",
    "QglmError",
    "Region",
    "Value",
    "__version__",
]


def __getattr__(name: str):
    # ``qglm_ir.compile`` is loaded on first use so ``import qglm_ir`` stays light
    # (the pass machinery is only imported when something is compiled).
    if name == "compile":
        from .api import compile

        return compile
    if name == "transpile":
        from .transpiling import transpile

        return transpile
    if name == "compile_executable":  # compile once, bind many (qglm_ir.executable)
        from .executable import compile_executable

        return compile_executable
    if name == "compile_many":  # batches, optionally on Dask (qglm_ir.distributed)
        from .distributed import compile_many

        return compile_many
    if name == "grad":  # gradients of hybrid programs (qglm_ir.training; torch is never imported)
        from .training.grad import grad

        return grad
    if name in ("kernel", "model", "function"):
        from .frontends.python import decorators

        return getattr(decorators, name)
    raise AttributeError(f"module 'qglm_ir' has no attribute {name!r}")

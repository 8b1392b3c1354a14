"""The reference engine: runs a compiled program's host CFG with a chosen simulator.

``run(module, inputs, shots, simulator, seed, *, entry=None)`` lowers the host
program to its CFG (:mod:`qglm_ir.backends.cfg`), evaluates classical
instructions with numpy (the evaluator registry) and runs each kernel
invocation on a simulator: ``tn`` (qglm's semantics, default), ``aer``
(qiskit-aer, an optional extra) or ``cirq``. See :mod:`.dispatch` for how
``shots`` and ``seed`` are honoured, and :mod:`.density` for noise.
"""

from .api import SIMULATORS, execute, make_simulator, run
from .batch import run_batch
from .errors import EngineError
from .executor import Executor, ParamValues
from .kernels import KernelSpec, Simulator

__all__ = [
    "SIMULATORS",
    "EngineError",
    "Executor",
    "KernelSpec",
    "ParamValues",
    "Simulator",
    "execute",
    "make_simulator",
    "run",
    "run_batch",
]

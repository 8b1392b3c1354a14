"""Backends: turn a kernel of a qglm module into Qiskit, Cirq and OpenQASM 3/2 programs.

Each exporter lives in its own module and imports its library lazily:

* :func:`qglm_ir.backends.qiskit.to_qiskit` / ``write_qpy``
* :func:`qglm_ir.backends.cirq.to_cirq` / ``to_cirq_json``
* :func:`qglm_ir.backends.qasm3.to_qasm3`
* :func:`qglm_ir.backends.qasm2.to_qasm2`

They share one view of a kernel (:mod:`qglm_ir.backends._kernel_view`): circuit
lines follow the wire convention, measured bits land in documented classical
registers (``c`` for returned bits, one register per returned bit tensor,
``mid`` for the rest) and symbolic angles keep their parameter names
(``theta[3]`` for element 3 of a tensor parameter or input ``theta``).
"""

from ._kernel_view import parameter_bindings, select_kernel

__all__ = ["parameter_bindings", "select_kernel"]

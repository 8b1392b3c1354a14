"""Frontends: turn source programs into qglm IR.

* :mod:`qglm_ir.frontends.dsl` — the ``.qglm`` language;
* :mod:`qglm_ir.frontends.python` — hybrid models written as Python functions;
* :mod:`qglm_ir.frontends.qasm` — OpenQASM 2 and 3 (through Qiskit's parsers);
* :mod:`qglm_ir.frontends.interop` — ``QuantumCircuit`` and ``cirq.Circuit`` objects;
* :mod:`qglm_ir.frontends.loader` — pick the frontend from a file's extension.

Nothing is imported eagerly: each frontend pulls in its own parser (lark,
qiskit, cirq) only when used.
"""

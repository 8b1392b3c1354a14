"""Optimization passes: ``cancel``, ``merge-rotations``, ``fuse-1q``, ``fuse-2q``,
``to-basis`` and ``remove-dead``, plus their shared helpers (angle folding,
wire walking, the commutation table and Qiskit-backed synthesis).

Pass modules are imported lazily by :mod:`qglm_ir.passes.registry`.
"""

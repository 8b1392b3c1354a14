"""Dialects of the qglm IR. Importing this package registers every op."""

from . import arith, builtin, classical_eval, embed, func, nn, noise, param, q, scf, stats, tensor  # noqa: F401

__all__ = ["arith", "builtin", "classical_eval", "embed", "func", "nn", "noise", "param", "q", "scf", "stats", "tensor"]

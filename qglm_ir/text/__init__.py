"""The textual IR: printer, LALR parser and structural equality.

``print_module(parse_module(t)) == t`` for any printed text ``t``, and
``parse_module(print_module(m))`` is structurally identical to ``m``. The
syntax is described in :mod:`qglm_ir.text.printer`; the grammar lives in
``qglm_ir/grammar/ir.lark``.
"""

from .equality import attr_equal, structural_diff, structurally_equal
from .parser import parse_module
from .printer import print_module, print_op

__all__ = [
    "attr_equal",
    "parse_module",
    "print_module",
    "print_op",
    "structural_diff",
    "structurally_equal",
]

"""Ops are read through their declared fields (``OpView`` subclasses in the dialects:
``ForOp(op).iter_args``, ``MeasureOp(op).qubit``...), never by a literal operand offset.

The dialect modules define the operand layouts (and their verifiers check them), and
``core/opdef.py`` implements the views; everywhere else an ``op.operands[<number>]`` is a
layout written out a second time, which is what made changing ``scf.for`` touch seven files.
"""

from __future__ import annotations

import re
from pathlib import Path

import qglm_ir

PACKAGE = Path(qglm_ir.__file__).resolve().parent
DEFINITIONS = {PACKAGE / "core" / "opdef.py"}
OFFSET = re.compile(r"\.operands\[\s*-?\d")


def test_no_literal_operand_offsets_outside_the_op_definitions() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path in DEFINITIONS or (PACKAGE / "dialects") in path.parents:
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if OFFSET.search(line):
                found.append(f"{path.relative_to(PACKAGE)}:{n}: {line.strip()}")
    assert not found, "read these operands through a declared view (qglm_ir.core.opdef.OpView):\n" + "\n".join(found)

"""Turn the programs given to :func:`~qglm_ir.distributed.compile_many` into batch items.

A program is a file path (``str`` without a newline or ``os.PathLike``), a
:class:`Source` (text plus the file name that picks its frontend), a source
text (a ``str`` with a newline; OpenQASM, textual IR or ``.qglm`` by its first
words), or a :class:`~qglm_ir.core.module.Module`. Files are read here, in the
calling process, so workers need not share its file system, and a missing
file is a diagnostic of that item rather than an exception.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.module import Module
from .tasks import BatchItem, ItemOutcome


@dataclass(frozen=True)
class Source:
    """Program text and the file name it stands for (``bell.qasm``): the
    extension picks the frontend, the name appears in diagnostics and the
    stem names the artifacts."""

    text: str
    name: str


_QASM = re.compile(r"^\s*(//[^\n]*\n\s*)*OPENQASM\b")
_IR = re.compile(r"^\s*(//[^\n]*\n\s*)*(module\b|\"?builtin\.module|q\.kernel\b|func\.func\b|param\.decl\b)")


def sniff_extension(text: str) -> str:
    """The frontend of an anonymous source text: ``.qasm`` if it starts with
    ``OPENQASM``, ``.qglmir`` if it starts like textual IR, else ``.qglm``."""
    if _QASM.match(text):
        return ".qasm"
    if _IR.match(text):
        return ".qglmir"
    return ".qglm"


def make_items(programs: Iterable[Any], check_stems: bool = True) -> tuple[list[BatchItem], list[ItemOutcome]]:
    """Batch items in input order, and the outcomes of inputs that failed already
    (an unreadable file: a located ``input`` diagnostic, never an exception).

    Raises ``ValueError`` when two inputs would write artifacts of the same
    stem (with ``check_stems``), and ``TypeError`` for a program of an
    unsupported kind.
    """
    from ..core.errors import QglmError
    from ..frontends.loader import read_text

    items: list[BatchItem] = []
    failed: list[ItemOutcome] = []
    stems: list[tuple[str, str]] = []
    for i, p in enumerate(programs):
        if isinstance(p, Module):
            name = f"<module {i}>"
            stem = p.sym_name or f"module{i}"
            items.append(BatchItem(i, name, stem, module=p))
        elif isinstance(p, Source):
            name, stem = p.name, Path(p.name).stem
            items.append(BatchItem(i, name, stem, text=p.text))
        elif isinstance(p, str) and "\n" in p:
            name = f"<input {i}>{sniff_extension(p)}"
            stem = f"input{i}"
            items.append(BatchItem(i, name, stem, text=p))
        elif isinstance(p, (str, os.PathLike)):
            name, stem = str(p), Path(p).stem
            try:
                items.append(BatchItem(i, name, stem, text=read_text(p)))
            except QglmError as exc:
                failed.append(ItemOutcome(i, name, "input", diagnostic=exc.render(name)))
        else:
            raise TypeError(f"program {i}: cannot compile a {type(p).__name__} in a batch "
                            "(give a path, a Source, source text or a Module)")
        stems.append((stem, name))
    counts = Counter(s for s, _ in stems)
    clashes = sorted({s for s, c in counts.items() if c > 1}) if check_stems else []
    if clashes:
        names = [n for s, n in stems if s in clashes]
        raise ValueError(f"inputs would write artifacts of the same name ({', '.join(clashes)}): "
                         f"{', '.join(names)}; rename one or compile them in separate batches")
    return items, failed

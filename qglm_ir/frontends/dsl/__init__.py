"""The ``.qglm`` model-spec language: parse, check and lower to the qglm IR.

Pipeline: :func:`parse` (lark LALR grammar ``qglm_ir/grammar/qglm.lark`` ->
dataclass AST with spans) -> imports followed (:mod:`.imports`, cycle
detection) -> :func:`.checks.check_programs` (names, scopes, placement) ->
:func:`.lower.lower_programs` (types, shapes, IR) -> the structural verifier.

Every problem with the input is a :class:`~qglm_ir.core.errors.ParseError`
carrying a location, so ``err.render()`` prints ``FILE:LINE:COL: error: ...``
with the source line and a caret.
"""

from __future__ import annotations

from ...core.gcpause import gc_paused
from ...core.module import Module
from . import ast
from .checks import check_programs
from .imports import load_programs
from .lower import UNROLL_LIMIT, lower_programs
from .parser import parse


def compile_source(text: str, filename: str = "<input>", defines: dict[str, str] | None = None) -> Module:
    """Compile ``.qglm`` source text to a verified module.

    ``defines`` overrides ``const`` declarations by name (values are spelled as
    on the command line: ``{"layers": "6"}``). Imports are resolved relative to
    ``filename``'s directory. Raises :class:`ParseError` on bad input.
    """
    with gc_paused():  # see qglm_ir.core.gcpause
        programs = load_programs(text, filename)
        check_programs(programs)
        module = lower_programs(programs, defines)
    _verify(module)
    return module


def compile_file(path: str, defines: dict[str, str] | None = None) -> Module:
    """Compile the ``.qglm`` file at ``path`` (see :func:`compile_source`)."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return compile_source(text, str(path), defines)




def _verify(module: Module) -> None:
    # The structural verifier is its own module; the DSL only produces IR it accepts,
    # so a failure here is a frontend bug that still carries the DSL source location.
    try:
        from ...verify import verify
    except ImportError:  # pragma: no cover - the verifier ships with the package
        return
    verify(module)


__all__ = ["UNROLL_LIMIT", "ast", "compile_file", "compile_source", "parse"]

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
from ...limits import call_with_deep_stack
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
    def run() -> Module:
        with gc_paused():  # see qglm_ir.core.gcpause
            programs = load_programs(text, filename)
            check_programs(programs)
            module = lower_programs(programs, defines)
        _verify(module)
        return module

    # Checks, lowering and the verifier recurse once per nesting level (bounded by max_depth).
    return call_with_deep_stack(run)


def compile_file(path: str, defines: dict[str, str] | None = None) -> Module:
    """Compile the ``.qglm`` file at ``path`` (see :func:`compile_source`)."""
    from ..source import read_source

    return compile_source(read_source(path), str(path), defines)




def _verify(module: Module) -> None:
    # The structural verifier is its own module; the DSL only produces IR it accepts,
    # so a failure here is a frontend bug that still carries the DSL source location.
    try:
        from ...verify import verify
    except ImportError:  # pragma: no cover - the verifier ships with the package
        return
    verify(module)


__all__ = ["UNROLL_LIMIT", "ast", "compile_file", "compile_source", "parse"]

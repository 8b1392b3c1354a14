"""The registry of named passes: kebab-case name -> pass class, imported lazily.

Built-in passes are listed as ``"module:Class"`` strings and imported only
when a pipeline uses them, so ``qglmc --help`` never pays for numpy-heavy
pass modules. Third parties add passes with :func:`register_pass`.

A listed pass whose module cannot be imported (not written yet, or broken)
stays listed: :func:`get_pass` raises :class:`PassError` saying so, and
:func:`is_available` lets presets skip it (explicit pipelines never skip).
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterator

from ..core.errors import PassError
from .base import Pass

#: Built-in passes, by pipeline name. Kept sorted by stage.
BUILTIN_PASSES: dict[str, str] = {
    # lower
    "canonicalize": "qglm_ir.passes.lower.canonicalize:Canonicalize",
    "inline": "qglm_ir.passes.lower.inline:Inline",
    "expand-embeddings": "qglm_ir.passes.lower.expand_embeddings:ExpandEmbeddings",
    # optimize
    "cancel": "qglm_ir.passes.optimize.cancel:Cancel",
    "merge-rotations": "qglm_ir.passes.optimize.merge_rotations:MergeRotations",
    "fuse-1q": "qglm_ir.passes.optimize.fuse_1q:Fuse1Q",
    "fuse-2q": "qglm_ir.passes.optimize.fuse_2q:Fuse2Q",
    "to-basis": "qglm_ir.passes.optimize.to_basis:ToBasis",
    "remove-dead": "qglm_ir.passes.optimize.remove_dead:RemoveDead",
    "drop-negligible": "qglm_ir.passes.optimize.negligible:DropNegligible",
    "drop-near-local": "qglm_ir.passes.optimize.near_local:DropNearLocal",
    "optimize-fixpoint": "qglm_ir.passes.optimize.fixpoint:OptimizeFixpoint",
    # mapping
    "layout": "qglm_ir.passes.mapping.layout:Layout",
    "route": "qglm_ir.passes.mapping.route:Route",
    "fix-direction": "qglm_ir.passes.mapping.fix_direction:FixDirection",
    "unroll-loops": "qglm_ir.passes.mapping.unroll:UnrollLoops",
    # qec: error suppression and correction
    "dd": "qglm_ir.passes.qec.dd:DynamicalDecoupling",
    "redundant-readout": "qglm_ir.passes.qec.redundant_readout:RedundantReadout",
    "rep-code": "qglm_ir.passes.qec.rep_code:RepetitionCode",
    "readout-mitigation": "qglm_ir.passes.qec.readout_mitigation:ReadoutMitigation",
    "qec": "qglm_ir.passes.qec.policy:QecPolicy",
}

_registered: dict[str, type[Pass]] = {}
_loaded: dict[str, type[Pass]] = {}
_failures: dict[str, str] = {}


def register_pass(cls: type[Pass]) -> type[Pass]:
    """Register a pass class under its ``name`` (usable as a class decorator).

    Requires: ``cls`` subclasses :class:`Pass` and has a non-empty kebab-case
    ``name``. A third-party pass may shadow a built-in of the same name.
    """
    if not (isinstance(cls, type) and issubclass(cls, Pass)):
        raise TypeError(f"register_pass expects a Pass subclass, got {cls!r}")
    name = cls.name
    if not name or name != name.lower() or " " in name or "_" in name:
        raise ValueError(f"pass name must be non-empty kebab-case, got {name!r}")
    _registered[name] = cls
    _failures.pop(name, None)
    return cls


def unregister_pass(name: str) -> None:
    """Remove a pass added with :func:`register_pass` (built-ins stay)."""
    _registered.pop(name, None)


def pass_names() -> list[str]:
    """Every known pass name (built-in and registered), sorted."""
    return sorted(set(BUILTIN_PASSES) | set(_registered))


def close_matches(name: str) -> list[str]:
    """Known pass names resembling ``name`` (for "did you mean" help)."""
    return difflib.get_close_matches(name, pass_names(), n=3, cutoff=0.5)


def _load(name: str) -> type[Pass]:
    target = BUILTIN_PASSES[name]
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        # Only "the pass module itself is missing" means "not written yet";
        # a missing dependency inside it is a real bug and must surface.
        if exc.name is not None and module_name.startswith(exc.name):
            raise PassError(
                f"pass '{name}' is not available yet (module {module_name} is not installed)"
            ) from exc
        raise
    cls = getattr(module, attr, None)
    if not (isinstance(cls, type) and issubclass(cls, Pass)):
        raise PassError(f"pass '{name}': {target} is not a Pass class")
    return cls


def get_pass(name: str) -> type[Pass]:
    """The pass class called ``name``, importing its module on first use.

    Raises :class:`PassError` for an unknown name (with close matches as help)
    or for a listed pass whose module is not importable yet.
    """
    cls = _registered.get(name)
    if cls is not None:
        return cls
    cls = _loaded.get(name)
    if cls is not None:
        return cls
    if name not in BUILTIN_PASSES:
        matches = close_matches(name)
        help_ = f"did you mean {', '.join(repr(m) for m in matches)}?" if matches else None
        raise PassError(f"unknown pass '{name}'", help=help_ or f"known passes: {', '.join(pass_names())}")
    if name in _failures:
        raise PassError(_failures[name])
    try:
        cls = _load(name)
    except PassError as exc:
        _failures[name] = exc.message
        raise
    _loaded[name] = cls
    return cls


def is_available(name: str) -> bool:
    """Whether ``name`` is known and its class can be imported now."""
    try:
        get_pass(name)
    except PassError:
        return False
    return True


def iter_passes() -> Iterator[tuple[str, type[Pass] | None, str]]:
    """``(name, class or None, one-line summary or why it is unavailable)`` for every pass."""
    for name in pass_names():
        try:
            cls = get_pass(name)
        except PassError as exc:
            yield name, None, exc.message
            continue
        doc = (cls.__doc__ or "").strip().splitlines()
        yield name, cls, doc[0] if doc else ""

"""The pass interface shared by every pass and by the pass manager.

A pass is a frozen dataclass whose fields are its typed options. It has a
kebab-case class attribute ``name`` (also its module file name with ``_`` for
``-`` and its spelling in pipeline text, e.g. ``route{trials=8}``), keeps no
state between runs, and returns a :class:`PassResult`. Its docstring states
what it *requires* and what it *guarantees*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from ..core.module import Module

if TYPE_CHECKING:  # pragma: no cover
    pass


@dataclass
class PassContext:
    """What a pass may read besides the module: target and determinism settings.

    ``device`` is a ``qglm_ir.targets`` device model (or ``None`` without one);
    ``basis`` the target gate names (``None`` = keep the gate set); ``seed``
    drives every random choice so compiles are reproducible. ``report`` is a
    free-form dict a pass may add sections to (e.g. ``layout``, ``qec``).
    """

    device: Any = None
    basis: tuple[str, ...] | None = None
    seed: int = 0
    report: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PassResult:
    """Whether the pass changed the module, and its statistics (counts, timings)."""

    changed: bool
    stats: dict[str, int | float | str] = field(default_factory=dict)
    #: Passes this run left nothing to do for: the output is a fixed point of each (a pass
    #: manager may skip an equal ``skip_when_clean`` pass until the module changes again).
    clean: tuple[Pass, ...] = ()


@dataclass(frozen=True)
class Pass:
    """Base class. Subclasses set ``name`` and implement :meth:`run`.

    Class attribute ``preserves`` says which equivalence translation validation
    should check after it: ``"unitary"`` (the kernels' tensor networks are
    equal up to global phase), ``"observable"`` (only measurement
    distributions and returned values are equal, e.g. dead-gate removal) or
    ``"layout"`` (equal once the recorded initial/final layouts are applied).
    ``"approximation"`` marks a pass that changes what kernels compute on
    purpose, within a bound its docstring and statistics state (``drop-negligible``):
    validation does not call it equivalent; it checks everything before it
    against the source and everything after it against its output, and the
    report says so.

    ``skip_when_clean``: the pass's outcome depends only on the module, the
    context and its own options, and it writes nothing else (no report
    section). The pass manager then skips it when an equal pass already ran
    without changing anything and no pass has changed the module since (the
    last round of an ``-O3`` fixed point, the clean-up after a no-op
    translation).
    """

    name: ClassVar[str] = ""
    preserves: ClassVar[str] = "unitary"
    skip_when_clean: ClassVar[bool] = False

    def run(self, module: Module, ctx: PassContext) -> PassResult:  # pragma: no cover
        raise NotImplementedError


@dataclass(frozen=True)
class ApproximatingPass(Pass):
    """A pass that may change a kernel's unitary by up to ``tolerance`` (average gate
    infidelity) per rewrite, declared so: translation validation checks around it and reports
    the approximation (``preserves = "approximation"``). ``tolerance`` 0 makes it a no-op.
    Subclasses set their own default ``tolerance``."""

    preserves: ClassVar[str] = "approximation"
    skip_when_clean: ClassVar[bool] = True
    tolerance: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.tolerance < 1.0:
            raise ValueError("tolerance must be in [0, 1)")


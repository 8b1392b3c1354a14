"""The engine's error type."""

from __future__ import annotations

from ..core.errors import QglmError


class EngineError(QglmError):
    """A host program cannot run: a missing input or parameter value, an unknown
    simulator, a simulator that is not installed, a runaway loop."""

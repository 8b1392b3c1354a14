"""The training error type."""

from __future__ import annotations

from ..core.errors import QglmError


class TrainingError(QglmError):
    """A program or kernel cannot be differentiated or trained as asked: a kernel that
    measures mid-circuit, an angle that is not affine in the kernel's symbols, a
    gradient method that does not support the requested options."""

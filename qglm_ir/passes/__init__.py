"""Passes and the pass manager. Stages: optimize/, mapping/, qec/, lower/."""

from .base import Pass, PassContext, PassResult

__all__ = ["Pass", "PassContext", "PassResult"]

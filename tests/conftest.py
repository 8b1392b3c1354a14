"""Shared pytest configuration: hypothesis profiles.

``ci`` (default) keeps the suite fast on 2 cores; ``long`` runs many more
examples: ``QGLM_HYPOTHESIS_PROFILE=long make test``. Tests that need a fixed
example count set it with ``@settings(max_examples=N)``; the long profile
multiplies nothing, it only raises the default.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("QGLM_HYPOTHESIS_PROFILE", "ci"))

# Every pass run by the pass manager in tests is followed by the verifier.
os.environ.setdefault("QGLM_VERIFY_EACH", "1")

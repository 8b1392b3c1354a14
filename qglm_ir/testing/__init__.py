"""Public testing utilities: hypothesis strategies for random IR and equivalence checks.

``kernels()`` / ``modules()`` generate well-formed IR; ``assert_equivalent``
compares two kernels with the tensor-network semantics.
"""

from .equivalence import assert_equivalent, assert_not_equivalent
from .strategies import ALL_GATES, kernels, modules

__all__ = ["ALL_GATES", "assert_equivalent", "assert_not_equivalent", "kernels", "modules"]

"""Public testing utilities: hypothesis strategies for random IR and equivalence checks.

``kernels()`` / ``modules()`` generate well-formed IR; ``assert_equivalent``
compares two kernels with the tensor-network semantics.
"""

from .strategies import ALL_GATES, kernels, modules

__all__ = ["ALL_GATES", "assert_equivalent", "kernels", "modules"]


def __getattr__(name: str):  # lazy: the semantics import quimb
    if name == "assert_equivalent":
        from .equivalence import assert_equivalent

        return assert_equivalent
    raise AttributeError(name)

"""Canonical renaming of printed IR, so two modules compare independently of SSA names."""

from __future__ import annotations

import re

_SSA = re.compile(r"%[A-Za-z0-9_.$-]+")


def canonical(text: str) -> str:
    """``text`` with every SSA name renamed ``%v0, %v1, ...`` by order of first appearance.

    Symbol names (``@ring_ansatz``), types, attributes and op order are kept:
    two printed modules are equal after renaming iff they differ at most in
    the spelling of SSA values.
    """
    names: dict[str, str] = {}

    def rename(m: re.Match[str]) -> str:
        return names.setdefault(m.group(0), f"%v{len(names)}")

    return _SSA.sub(rename, text)

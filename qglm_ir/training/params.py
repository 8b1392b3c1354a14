"""Parameter values in and out of programs: fold frozen values at compile time, read/write ``.npz`` files.

* :func:`bind_values` makes given values the ``init`` of their ``param.decl``
  (before compilation): frozen ones are then folded into constants by
  ``canonicalize`` (``fold-frozen-params``); :func:`drop_folded` afterwards
  removes the declarations nothing reads any more, so folded parameters do not
  appear in the artifacts (host CFG parameter table, circuits).
* :func:`load_npz` reads a parameter file with located errors (missing file,
  unknown names, wrong shapes).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..core.attributes import DenseArray, SymbolRef
from ..core.errors import Location
from ..core.ir import Operation
from ..core.types import TensorType
from .errors import TrainingError


def param_decls(module: Operation) -> dict[str, Operation]:
    """The module's ``param.decl`` ops by name, in declaration order."""
    return {str(op.properties["sym_name"]): op for op in module.regions[0].blocks[0].ops if op.name == "param.decl"}


def bind_values(module: Operation, values: Mapping[str, Any], *, frozen_only: bool = True,
                freeze: bool = False) -> dict[str, Any]:
    """Set ``init`` of the declared parameters named in ``values`` (in place); return the values left over.

    ``frozen_only``: only frozen parameters are bound; trainable ones are left
    over (for run time). ``freeze``: bound parameters become frozen (so the
    compiler folds their values into the artifacts). Raises :class:`TrainingError`
    (at the declaration) for a value of the wrong shape.
    """
    from ..dialects.classical_eval import coerce

    decls = param_decls(module)
    rest: dict[str, Any] = {}
    for name, value in values.items():
        op = decls.get(name)
        if op is None or (frozen_only and op.properties.get("trainable", True)):
            rest[name] = value
            continue
        t = op.properties["type"]
        arr = np.asarray(value)
        shape = t.shape if isinstance(t, TensorType) else ()
        if arr.shape != tuple(shape):
            raise TrainingError(f"parameter @{name} is {t}, got a value of shape {arr.shape}", op.loc)
        op.set_property("init", DenseArray(coerce(arr, t)) if shape else coerce(arr, t))
        if freeze:
            op.set_property("trainable", False)
    return rest


def drop_folded(module: Operation) -> list[str]:
    """Erase frozen ``param.decl`` ops that no ``param.get`` reads any more; return their names."""
    read = {str(op.properties["name"].name) for op in module.walk()
            if op.name == "param.get" and isinstance(op.properties.get("name"), SymbolRef)}
    dropped = []
    for name, op in param_decls(module).items():
        if not op.properties.get("trainable", True) and name not in read:
            op.erase()
            dropped.append(name)
    return dropped


def load_npz(path: str | Path, module: Operation | None = None) -> dict[str, np.ndarray]:
    """Parameter values from an ``.npz`` file (``name -> array``).

    With ``module``: every name must be a declared parameter and every array
    must have its declared shape. Errors name the file (``FILE: error: ...``).
    """
    where = Location(str(path), 1, 1)
    try:
        with np.load(path, allow_pickle=False) as data:
            values = {k: np.asarray(data[k]) for k in data.files}
    except FileNotFoundError:
        raise TrainingError(f"parameter file {path} does not exist") from None
    except (OSError, ValueError) as exc:
        raise TrainingError(f"{path} is not a readable .npz parameter file ({exc})", where) from None
    if module is not None:
        decls = param_decls(module)
        for name, arr in values.items():
            op = decls.get(name)
            if op is None:
                raise TrainingError(f"{path} holds '{name}', which is not a parameter of the program", where,
                                    help="parameters: " + (", ".join(decls) or "none"))
            t = op.properties["type"]
            shape = tuple(t.shape) if isinstance(t, TensorType) else ()
            if arr.shape != shape:
                raise TrainingError(f"{path}: '{name}' has shape {arr.shape}, the parameter is {t}", where)
    return values


def save_npz(path: str | Path, values: Mapping[str, Any]) -> None:
    """Write parameter values (sorted by name, so equal values give equal files)."""
    np.savez(path, **{k: np.asarray(values[k], dtype=np.float64) for k in sorted(values)})


def initial_values(table: Mapping[str, Mapping[str, Any]], given: Mapping[str, Any] | None = None,
                   seed: int = 0) -> dict[str, np.ndarray]:
    """Starting values of every trainable parameter of a CFG parameter ``table``.

    Order of preference: ``given``, the declared ``init``, then a seeded draw:
    matrices ``O x I`` uniform in ``±1/sqrt(I)`` (the usual dense-layer scale),
    vectors and scalars zero. Deterministic for a given ``seed``.
    """
    from ..backends.cfg import decode_attr, parse_type_str

    given = given or {}
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    for name, decl in table.items():
        if not decl.get("trainable"):
            continue
        t = parse_type_str(decl["type"])
        shape = tuple(t.shape) if isinstance(t, TensorType) else ()
        if name in given:
            value = np.asarray(given[name], dtype=np.float64)
            if value.shape != shape:
                raise TrainingError(f"parameter @{name} is {decl['type']}, got a value of shape {value.shape}")
        elif decl.get("init") is not None:
            init = decode_attr(decl["init"])
            value = np.asarray(getattr(init, "array", init), dtype=np.float64).reshape(shape)
        elif len(shape) >= 2:
            bound = 1.0 / np.sqrt(shape[-1])
            value = rng.uniform(-bound, bound, size=shape)
        else:
            value = np.zeros(shape)
        out[name] = np.array(value, dtype=np.float64)
    return out

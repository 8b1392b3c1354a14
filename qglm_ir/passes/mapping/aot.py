"""Ahead-of-time compiled SABRE cores: numba's machine code without numba's start-up.

The routing cores in :mod:`.engine` are plain Python that numba compiles.
With ``njit(cache=True)`` every process still pays for importing numba and
initialising its typing and lowering registries before the cached code can be
loaded (about 1.5 s of a 3 s cold ``qglmc compile`` on the 2-core reference
machine, measured with ``benchmarks/bench_cli_startup.py``). ``numba.pycc``
compiles the same source ahead of time into an ordinary CPython extension
module that imports in milliseconds and does not import numba at all.

The extension is built once per source version into a user cache directory
(:func:`cache_dir`), named by a hash of the cores' source, numba's version and
the interpreter tag, so an edited ``engine.py`` never runs stale code. It is
built on first use (under a file lock, so parallel test workers build it
once) or ahead of time with ``python -m qglm_ir.passes.mapping.aot``.
``QGLM_AOT=0`` disables it. When it cannot be built (no C compiler, no
setuptools, a changed signature) a marker file records the failure and the
engine falls back to ``njit(cache=True)``, with identical results.

Exported functions do not check their argument types (a ``float32`` array
would be read as garbage), so :func:`call` checks every argument against the
declared signature and returns ``None`` when one does not match; the caller
then uses the JIT.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.machinery
import importlib.util
import inspect
import os
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from functools import cache, lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from . import engine

# Argument kinds: "i1" C-contiguous int64 vector, "b2"/"f2" C-contiguous bool/float64 matrix,
# "i" int64 scalar, "f" float64 scalar. The same text builds the pycc signature.
_ARG_TYPES = {"i1": "i8[::1]", "b2": "b1[:,::1]", "f2": "f8[:,::1]", "i": "i8", "f": "f8"}
_ARRAY_KINDS = {"i1": (np.int64, 1), "b2": (np.bool_, 2), "f2": (np.float64, 2)}

#: exported name -> (engine function, argument kinds, return type)
EXPORTS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "sabre_core": (
        "_sabre_core",
        ("i1", "i1", "i1", "i1", "i1", "i1", "i", "b2", "i1", "i1", "f2", "f2", "i", "f", "f", "i", "i", "i", "f"),
        "Tuple((i8[::1], i8[::1], i8[::1], i8, i8[::1], i8, i8))",
    ),
    "routed_cost_core": (
        "_routed_cost_core",
        ("i1", "i1", "i1", "i", "i1", "i", "i1", "i1", "f2"),
        "Tuple((f8, i8[::1]))",
    ),
}


def enabled() -> bool:
    """False when ``QGLM_AOT=0`` asks for the JIT only."""
    return os.environ.get("QGLM_AOT", "1").strip() not in ("0", "false", "no", "off")


def cache_dir() -> Path:
    """``$QGLM_CACHE_DIR``, else ``$XDG_CACHE_HOME/qglm``, else ``~/.cache/qglm``."""
    if os.environ.get("QGLM_CACHE_DIR"):
        return Path(os.environ["QGLM_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "qglm"


def _numba_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("numba")
    except PackageNotFoundError:
        return "none"


@lru_cache(maxsize=1)
def module_name() -> str:
    """``qglm_sabre_<hash>``: the hash covers the exported functions' source and signatures,
    numba's version and the interpreter's cache tag (read without importing numba)."""
    h = hashlib.sha256()
    for name, (fn, kinds, ret) in sorted(EXPORTS.items()):
        h.update(f"{name}:{fn}:{kinds}:{ret}\n".encode())
        h.update(inspect.getsource(getattr(engine, fn)).encode())
    h.update(f"{_numba_version()}:{sys.implementation.cache_tag}:{np.__version__}".encode())
    h.update(b"release_gil")  # builds made before the exports released the GIL are not reused
    return "qglm_sabre_" + h.hexdigest()[:16]


def _so_path(directory: Path) -> Path:
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    return directory / (module_name() + suffix)


def _import(path: Path) -> ModuleType | None:
    spec = importlib.util.spec_from_file_location(module_name(), path)
    if spec is None or spec.loader is None:
        return None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    import fcntl

    with open(directory / (module_name() + ".lock"), "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _signatures_match() -> bool:
    """The declared argument lists still fit the engine's functions (16 may edit them)."""
    for fn, kinds, _ in EXPORTS.values():
        params = inspect.signature(getattr(engine, fn)).parameters
        if len(params) != len(kinds):
            return False
    return True


@contextlib.contextmanager
def _releasing_gil() -> Iterator[None]:
    """Exports built inside release the GIL while they run, as ``njit(nogil=True)`` does.

    Why: the layout and routing searches run their seeded trials on a few threads
    (:mod:`.threads`), which only overlap while the cores run without the GIL; ``numba.pycc``
    has no option for it and builds every export with default compiler flags, so its
    ``Flags`` is replaced for the build by one whose ``release_gil`` defaults to true (the
    CPython wrapper then drops the GIL around the call, after unboxing the arguments)."""
    from numba.core.compiler import Flags
    from numba.pycc import compiler as pycc_compiler

    class _NoGilFlags(Flags):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.release_gil = True

    saved = pycc_compiler.Flags
    pycc_compiler.Flags = _NoGilFlags
    try:
        yield
    finally:
        pycc_compiler.Flags = saved


def build(directory: Path | None = None) -> Path:
    """Compile the exports with ``numba.pycc`` into ``directory`` (default :func:`cache_dir`)
    and return the extension's path. Requires numba, setuptools and a C compiler; takes
    about 15 s of CPU. Replaces the file atomically, so a concurrent reader never sees half
    of it. Builds for other source versions stay (several checkouts may share the cache)."""
    directory = Path(directory) if directory is not None else cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    if not _signatures_match():
        raise RuntimeError("engine cores changed their parameters; update qglm_ir.passes.mapping.aot.EXPORTS")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba.pycc is pending deprecation
        from numba.pycc import CC

        with tempfile.TemporaryDirectory(dir=directory) as tmp, _releasing_gil():
            cc = CC(module_name())
            cc.output_dir = tmp
            cc.verbose = False
            for name, (fn, kinds, ret) in EXPORTS.items():
                sig = f"{ret}({', '.join(_ARG_TYPES[k] for k in kinds)})"
                cc.export(name, sig)(getattr(engine, fn))
            cc.compile()
            built = Path(tmp) / _so_path(directory).name
            os.replace(built, _so_path(directory))
    return _so_path(directory)


@lru_cache(maxsize=1)
def load(build_if_missing: bool = True) -> ModuleType | None:
    """The compiled extension, built first if missing and ``build_if_missing``; ``None`` when
    disabled, not buildable (recorded in a ``.failed`` marker, not retried for this source
    version) or not importable."""
    if not enabled():
        return None
    directory = cache_dir()
    path = _so_path(directory)
    failed = directory / (module_name() + ".failed")
    try:
        if not path.exists() and build_if_missing and not failed.exists():
            directory.mkdir(parents=True, exist_ok=True)
            with _locked(directory):
                if not path.exists() and not failed.exists():
                    try:
                        build(directory)
                    except Exception as exc:  # no compiler, no setuptools, numba typing error
                        failed.write_text(f"{type(exc).__name__}: {exc}\n")
                        return None
        return _import(path) if path.exists() else None
    except (OSError, ImportError):  # read-only or missing cache dir, foreign binary
        return None


#: ``_ARRAY_KINDS`` with ``np.dtype`` objects, compared by identity first (numpy's builtin
#: dtypes are singletons; ``==`` against a scalar type costs a conversion on every call).
_ARRAY_DTYPES = {k: (np.dtype(dt), nd) for k, (dt, nd) in _ARRAY_KINDS.items()}


#: per argument-kinds tuple: for each argument its array spec (dtype, ndim), or the scalar kind
_PLANS: dict[tuple[str, ...], tuple[tuple[np.dtype, int] | str, ...]] = {}
_I64_MIN, _I64_MAX = -(2**63), 2**63


def _plan(kinds: tuple[str, ...]) -> tuple[tuple[np.dtype, int] | str, ...]:
    plan = _PLANS.get(kinds)
    if plan is None:
        plan = _PLANS[kinds] = tuple(_ARRAY_DTYPES.get(k, k) for k in kinds)
    return plan


def _conforms(args: tuple[Any, ...], kinds: tuple[str, ...]) -> tuple[Any, ...] | None:
    """``args`` converted to the exported types, or ``None`` if one cannot be passed as is.
    Runs before every engine call (thousands per compile, 20 arguments each: it cost about a
    fifth of a small routing call), hence the per-kinds plan and the fast paths for the exact
    types the engine callers pass (``ndarray``, ``int``, ``float``), which pass unchanged."""
    plan = _plan(kinds)
    if len(args) != len(plan):
        return None
    out = list(args)
    for i, a in enumerate(args):
        spec = plan[i]
        ta = type(a)
        if ta is np.ndarray:
            if spec.__class__ is not tuple:
                return None
            dt = a.dtype
            if not ((dt is spec[0] or dt == spec[0]) and a.ndim == spec[1] and a.flags.c_contiguous):
                return None
        elif spec == "i":
            if ta is not int:
                if not isinstance(a, (int, np.integer)) or isinstance(a, (bool, np.bool_)):
                    return None
                a = out[i] = int(a)
            if not _I64_MIN <= a < _I64_MAX:
                return None
        elif spec == "f":
            if ta is not float:
                if not isinstance(a, (int, float, np.integer, np.floating)):
                    return None
                out[i] = float(a)
        else:  # an array kind given something else (an ndarray subclass included, as before)
            if not isinstance(a, np.ndarray):
                return None
            dt = a.dtype
            if not ((dt is spec[0] or dt == spec[0]) and a.ndim == spec[1] and a.flags.c_contiguous):
                return None
    return tuple(out)


@cache
def _defaults(fn_name: str) -> tuple[Any, ...]:
    """Default values of the engine function's parameters (``Parameter.empty`` where none);
    cached: ``inspect.signature`` on every call cost 0.2 ms, thousands of times per compile."""
    return tuple(p.default for p in inspect.signature(getattr(engine, fn_name)).parameters.values())


def call(name: str, args: tuple[Any, ...]) -> Any | None:
    """Run export ``name`` on ``args`` (omitted trailing arguments take the engine function's
    defaults), or return ``None`` (the caller falls back to the JIT) when the extension is
    unavailable or an argument does not have the exported type."""
    mod = load()
    if mod is None:
        return None
    fn_name, kinds, _ = EXPORTS[name]
    if len(args) < len(kinds):
        defaults = _defaults(fn_name)[len(args):]
        if any(d is inspect.Parameter.empty for d in defaults):
            return None
        args = (*args, *defaults)
    conv = _conforms(args, kinds)
    if conv is None:
        return None
    fn: Callable[..., Any] = getattr(mod, name)
    return fn(*conv)


def main() -> None:
    """``python -m qglm_ir.passes.mapping.aot``: build (or rebuild) the extension now."""
    path = build()
    print(f"built {path}")


if __name__ == "__main__":
    main()

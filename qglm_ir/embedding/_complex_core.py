"""Per-sample scalar version of the complex (disentangling) angle computation.

Same mathematics as the batched numpy reference in
:mod:`qglm_ir.embedding.synthesis` (``_complex_angles``), written as plain loops
over scalars so numba can compile it (``njit(cache=True, nogil=True)``, compiled
on first use, once per machine, then loaded from numba's on-disk cache; nothing
is compiled at import); without numba the same Python runs (slowly). Tests
check that both prepare the same state as the reference.

Where the reference takes square roots and phases of the generic 2x2 algebra,
:func:`_demux` uses closed forms that hold because every gate is unitary (see
its comments): fewer square roots and no eigen-solve; the angle extraction uses
a polynomial :func:`_atan2` (2 ulp) instead of libm's; the only fast-math flag
is ``contract`` (fused multiply-adds). Angles can differ from the reference's by
a branch (a sign of a square root taken on ``det = -1``, which the structure
produces exactly) while preparing the same state, so tests compare states.
Each sample is independent, so :func:`complex_angles` splits a large batch over
threads (the compiled loop releases the GIL); a sample's values do not depend on
the split. Measured with ``benchmarks/bench_embedding.py``.
"""

from __future__ import annotations

import cmath
import math
import os
import threading

import numpy as np

_EPS = 1e-12
_S2 = 1.0 / math.sqrt(2.0)
_W = cmath.exp(0.25j * math.pi)


def _usqrt(c, s):  # pragma: no cover - exercised through the jitted/pure entry point
    """Principal square root of the unit complex number ``c + i s`` with real square roots
    (the half-angle formulas; ``cmath.sqrt``'s branch, signed zero included). The larger
    part is ``sqrt((1 + |c|) / 2)``, the other ``|s|`` over twice it: selects, no branch
    (``c`` is a coin flip for random data)."""
    big = math.sqrt(0.5 * (1.0 + abs(c)))
    small = abs(s) / (2.0 * big)
    pos = c >= 0.0
    return complex(big if pos else small, math.copysign(small if pos else big, s))


# atan2 without libm's call (the angle extraction makes four per gate): fdlibm's atan
# polynomial on |t| <= tan(pi/8) after octant reduction; within 2 ulp of math.atan2
# (tests check), and any branch of the result works where it is used (see complex_core).
_AT = (3.33333333333329318027e-01, -1.99999999998764832476e-01, 1.42857142725034663711e-01,
       -1.11111104054623557880e-01, 9.09088713343650656196e-02, -7.69187620504482999495e-02,
       6.66107313738753120669e-02, -5.83357013379057348645e-02, 4.97687799461593236017e-02,
       -3.65315727442169155270e-02, 1.62858201153657823623e-02)
_T8 = 0.41421356237309503  # tan(pi/8)
_PIO4_HI, _PIO4_LO = 7.85398163397448278999e-01, 3.06161699786838301793e-17
_PIO2_HI, _PIO2_LO = 1.57079632679489655800e+00, 6.12323399573676603587e-17
_PI_HI, _PI_LO = 3.14159265358979311600e+00, 1.22464679914735317720e-16


def _atan2(y, x):  # pragma: no cover - exercised through the jitted/pure entry point
    """``math.atan2(y, x)`` to 2 ulp for finite input (``(0, 0)`` gives 0; ``-0.0`` counts as 0)."""
    ax, ay = abs(x), abs(y)
    swap = ay > ax
    num = ax if swap else ay
    den = ay if swap else ax
    if den == 0.0:
        return 0.0
    big = num > _T8 * den  # atan(a) = pi/4 + atan((a - 1) / (a + 1))
    t = (num - den if big else num) / (num + den if big else den)
    z = t * t
    w = z * z
    s1 = z * (_AT[0] + w * (_AT[2] + w * (_AT[4] + w * (_AT[6] + w * (_AT[8] + w * _AT[10])))))
    s2 = w * (_AT[1] + w * (_AT[3] + w * (_AT[5] + w * (_AT[7] + w * _AT[9]))))
    r = (_PIO4_HI if big else 0.0) - ((t * (s1 + s2) - (_PIO4_LO if big else 0.0)) - t)
    k = 1.0 if swap else 0.0  # atan(1 / a) = pi/2 - atan(a)
    r = (k * _PIO2_HI + (-r if swap else r)) + k * _PIO2_LO
    k = 1.0 if x < 0.0 else 0.0  # left half-plane: pi - angle
    r = (k * _PI_HI + (-r if x < 0.0 else r)) + k * _PI_LO
    return -r if y < 0.0 else r


def _demux(g, ia, ib, rout):  # pragma: no cover - exercised through the jitted/pure entry point
    """In place: ``g[ia] <- v``, ``g[ib] <- u . diag(W, W*)``; ``rout`` gets r (see synthesis)."""
    a00, a01, a10, a11 = g[ia, 0, 0], g[ia, 0, 1], g[ia, 1, 0], g[ia, 1, 1]
    b00, b01, b10, b11 = g[ib, 0, 0], g[ib, 0, 1], g[ib, 1, 0], g[ib, 1, 1]
    # x = a b^+
    cb00, cb01, cb10, cb11 = b00.conjugate(), b01.conjugate(), b10.conjugate(), b11.conjugate()
    x00 = a00 * cb00 + a01 * cb01
    x01 = a00 * cb10 + a01 * cb11
    x10 = a10 * cb00 + a11 * cb01
    x11 = a10 * cb10 + a11 * cb11
    det = x00 * x11 - x01 * x10
    # Bergholm et al.'s r without exp/phase: with d = det (|d| = 1), q = d^(1/4) and
    # f = e^{i arg(x00 / sqrt(d)) / 2} (principal roots): r1 = W h*, r2 = i W sqrt(d)* h with
    # h = q f. Every root is of a unit complex number, taken with real square roots (_usqrt).
    # |det| = 1 up to rounding: one Newton step for 1/|det| (exact to rounding) keeps r unimodular
    ia_ = 1.5 - 0.5 * (det.real * det.real + det.imag * det.imag)
    sd = _usqrt(det.real * ia_, det.imag * ia_)
    csd = sd.conjugate()
    c = math.sqrt(x00.real * x00.real + x00.imag * x00.imag)  # |x00|, independent of sd
    if c > _EPS:
        ic = 1.0 / c
        h = _usqrt(x00.real * ic, x00.imag * ic)
        # Y = r x r = [[i c, -sd* x01], [-sd* x10, -i c]] (x unitary); its +i eigenvector from
        # the second row, (i (1 + c), -sd* x10), is the better conditioned one (c >= 0)
        inv = 1.0 / math.sqrt((1.0 + c) * (1.0 + c) + x10.real * x10.real + x10.imag * x10.imag)
        w0 = complex(0.0, (1.0 + c) * inv)
        w1 = -(csd * x10) * inv
    else:  # x00 = 0: no phase to halve (f = 1); the eigenvector from whichever row is larger
        h = _usqrt(sd.real, sd.imag)
        r1, r2 = _W * h.conjugate(), 1j * _W * csd * h
        y00, y01, y10, y11 = r1 * x00 * r1, r1 * x01 * r2, r2 * x10 * r1, r2 * x11 * r2
        w0, w1 = y01, 1j - y00
        n1 = math.sqrt(w0.real * w0.real + w0.imag * w0.imag + w1.real * w1.real + w1.imag * w1.imag)
        z0, z1 = 1j - y11, y10
        n2 = math.sqrt(z0.real * z0.real + z0.imag * z0.imag + z1.real * z1.real + z1.imag * z1.imag)
        if n2 > n1:
            w0, w1, n1 = z0, z1, n2
        if n1 < _EPS:
            n1 = _EPS
        inv = 1.0 / n1  # complex * real: numba divides complex by complex otherwise
        w0, w1 = w0 * inv, w1 * inv
    # u = [[w0, -w1*], [w1, w0*]]; v = diag(W, W*) u^+ diag(r*) b with r* = (W* h, -i W* sd h*):
    # row j of v from P = h b[0, j], Q = sd h* b[1, j]
    hs = sd * h.conjugate()
    cw0, cw1 = w0.conjugate(), w1.conjugate()
    p0, p1 = h * b00, h * b01
    q0, q1 = hs * b10, hs * b11
    g[ia, 0, 0] = cw0 * p0 - 1j * (cw1 * q0)
    g[ia, 0, 1] = cw0 * p1 - 1j * (cw1 * q1)
    g[ia, 1, 0] = 1j * (w1 * p0) - w0 * q0
    g[ia, 1, 1] = 1j * (w1 * p1) - w0 * q1
    wc = _W.conjugate()
    g[ib, 0, 0], g[ib, 0, 1] = w0 * _W, -(cw1 * wc)
    g[ib, 1, 0], g[ib, 1, 1] = w1 * _W, cw0 * wc
    rout[0], rout[1] = _W * h.conjugate(), 1j * _W * csd * h


def _ucg(g, off, size, k, diag, rout):  # pragma: no cover
    """Demultiplex the ``size = 2^k`` gates ``g[off:off+size]`` in place; ``diag[c, t]`` collects
    the diagonal (see ``_ucg_up_to_diagonal`` in synthesis)."""
    for dstep in range(k):
        blocks = 1 << dstep
        length = size >> dstep
        half = length // 2
        for m in range(blocks):
            s0 = off + m * length
            for i in range(half):
                _demux(g, s0 + i, s0 + half + i, rout)
                r1, r2 = rout[0], rout[1]
                a0, a1 = r1.conjugate(), r2.conjugate()  # c_top = 0: r^+
                b0, b1 = -1j * r1, -1j * r2  # c_top = 1: r times the control phase -i
                if m < blocks - 1:
                    n0 = s0 + length
                    for row in range(2):
                        g[n0 + i, row, 0] *= a0
                        g[n0 + i, row, 1] *= a1
                        g[n0 + half + i, row, 0] *= b0
                        g[n0 + half + i, row, 1] *= b1
                else:
                    c = i
                    j = 0
                    while c < size:
                        if j & 1:
                            diag[c, 0] *= b0
                            diag[c, 1] *= b1
                        else:
                            diag[c, 0] *= a0
                            diag[c, 1] *= a1
                        c += half
                        j += 1
    # CZ = H CX H: fold the Hadamards into the neighbouring gates
    for j in range(size):
        p00, p01, p10, p11 = g[off + j, 0, 0], g[off + j, 0, 1], g[off + j, 1, 0], g[off + j, 1, 1]
        if j < size - 1:  # H @ g
            p00, p01, p10, p11 = _S2 * (p00 + p10), _S2 * (p01 + p11), _S2 * (p00 - p10), _S2 * (p01 - p11)
        if j > 0:  # g @ H
            p00, p01, p10, p11 = _S2 * (p00 + p01), _S2 * (p00 - p01), _S2 * (p10 + p11), _S2 * (p10 - p11)
        g[off + j, 0, 0], g[off + j, 0, 1], g[off + j, 1, 0], g[off + j, 1, 1] = p00, p01, p10, p11


def complex_core(v, n, out):  # pragma: no cover
    """``out[b]`` <- the slot values of ``template(n, "complex")`` for normalized ``v[b]``."""
    nb, dim = v.shape
    g = np.empty((dim - 1, 2, 2), dtype=np.complex128)
    diag = np.empty((dim, 2), dtype=np.complex128)
    rs = np.empty(dim, dtype=np.float64)
    rout = np.empty(2, dtype=np.complex128)
    offs = np.empty(n, dtype=np.int64)
    for b in range(nb):
        psi = v[b].copy()
        off = 0
        for s in range(n):
            k = n - 1 - s
            size = 1 << k
            offs[s] = off
            for c in range(size):
                i0 = c << (s + 1)
                i1 = i0 | (1 << s)
                a0, a1 = psi[i0], psi[i1]
                r = math.sqrt(a0.real * a0.real + a0.imag * a0.imag + a1.real * a1.real + a1.imag * a1.imag)
                rs[c] = r
                if r > _EPS:
                    ir = 1.0 / r
                    g[off + c, 0, 0], g[off + c, 0, 1] = a0.conjugate() * ir, a1.conjugate() * ir
                    g[off + c, 1, 0], g[off + c, 1, 1] = -a1 * ir, a0 * ir
                else:
                    g[off + c, 0, 0], g[off + c, 0, 1], g[off + c, 1, 0], g[off + c, 1, 1] = 1.0, 0.0, 0.0, 1.0
                diag[c, 0], diag[c, 1] = 1.0, 1.0
            if k > 0:
                _ucg(g, off, size, k, diag, rout)
            for c in range(size):
                i0 = c << (s + 1)
                psi[i0] = diag[c, 0].conjugate() * rs[c]
                psi[i0 | (1 << s)] = 0.0
            off += size
        # W = F^+ = e^{i gamma} Rz(phi) Ry(theta) Rz(lam) with 2 gamma = arg det W: (phi + lam) / 2 and
        # (phi - lam) / 2 are the arguments of W's [1, 1] and [1, 0] entries less gamma, modulo 2 pi,
        # so lam needs no gamma and phi takes the same arg det W as the phase sum (any branch works).
        phase = _atan2(psi[0].imag, psi[0].real)
        pos = 0
        for s in range(n - 1, -1, -1):
            size = 1 << (n - 1 - s)
            for j in range(size - 1, -1, -1):
                q = offs[s] + j
                w00, w01 = g[q, 0, 0].conjugate(), g[q, 1, 0].conjugate()
                w10, w11 = g[q, 0, 1].conjugate(), g[q, 1, 1].conjugate()
                det = w00 * w11 - w01 * w10
                ad = _atan2(det.imag, det.real)
                p11 = _atan2(w11.imag, w11.real)
                p10 = _atan2(w10.imag, w10.real)
                m10 = math.sqrt(w10.real * w10.real + w10.imag * w10.imag)
                m00 = math.sqrt(w00.real * w00.real + w00.imag * w00.imag)
                out[b, pos] = p11 - p10
                out[b, pos + 1] = 2.0 * _atan2(m10, m00)
                out[b, pos + 2] = p11 + p10 - ad
                phase += 0.5 * ad
                pos += 3
        out[b, pos] = phase


_jitted = None
_MIN_WORK_PER_THREAD = 1 << 15  # amplitudes (samples x 2^n): below this a thread costs more than it saves


def _kernel():
    """``complex_core`` compiled with numba (first call only; then numba's cache), else the Python."""
    global _jitted
    if _jitted is None:
        try:
            from numba import njit

            # error_model="numpy": no zero-division checks (every divisor is guarded above);
            # fastmath "contract" only (fused multiply-adds: fewer roundings, no reassociation)
            jit = njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
            # inlined at numba-IR level: a call passing arrays costs an atomic incref/decref pair
            # per array, and _demux runs 769 times per 8-qubit sample
            inl = njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"}, inline="always")
            globals()["_usqrt"] = inl(_usqrt)
            globals()["_atan2"] = inl(_atan2)
            globals()["_demux"] = inl(_demux)
            globals()["_ucg"] = jit(_ucg)
            _jitted = jit(complex_core)
        except ImportError:  # pragma: no cover - numba ships with quimb
            _jitted = complex_core
    return _jitted


def default_threads() -> int:
    """Threads for a batch: ``$QGLM_BIND_THREADS`` if it is a number, else the CPUs this process
    may use."""
    env = os.environ.get("QGLM_BIND_THREADS", "").strip()
    if env.isdigit():
        return max(1, int(env))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def complex_angles(v: np.ndarray, n: int, threads: int | None = None) -> np.ndarray:
    """Slot values for a batch of normalized complex vectors ``v`` ``(B, 2^n)``.

    ``threads`` (default :func:`default_threads`) caps how many threads share the
    batch; small batches and the pure-Python fallback (which holds the GIL) run on
    the calling thread. Guarantees: the values of a sample are bit-identical for
    every ``threads`` (each sample is computed alone by the same compiled code)."""
    kernel = _kernel()
    v = np.ascontiguousarray(v, dtype=np.complex128)
    nb = v.shape[0]
    out = np.empty((nb, 3 * ((1 << n) - 1) + 1))
    t = default_threads() if threads is None else max(1, int(threads))
    t = min(t, nb, max(1, (nb << n) // _MIN_WORK_PER_THREAD))
    if t <= 1 or kernel is complex_core:
        kernel(v, n, out)
        return out
    # Chunks pulled from a shared queue rather than one fixed share per thread: on a busy machine
    # a descheduled thread then delays at most one chunk instead of holding up its whole half.
    chunk = -(-nb // (4 * t))
    starts = iter(range(0, nb, chunk))
    lock = threading.Lock()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            while True:
                with lock:
                    s0 = next(starts, None)
                if s0 is None:
                    return
                kernel(v[s0:s0 + chunk], n, out[s0:s0 + chunk])
        except BaseException as exc:  # pragma: no cover - re-raised on the calling thread
            errors.append(exc)

    workers = [threading.Thread(target=run, daemon=True) for _ in range(1, t)]
    for w in workers:
        w.start()
    run()  # the calling thread works too
    for w in workers:
        w.join()
    if errors:  # pragma: no cover
        raise errors[0]
    return out

"""Per-sample scalar version of the complex (disentangling) angle computation.

Same mathematics as the batched numpy reference in
:mod:`qglm_ir.embedding.synthesis` (``_complex_angles``), written as plain loops
over scalars so numba can compile it (``njit(cache=True)``, compiled once per
machine and then loaded from numba's on-disk cache); without numba the same
Python runs (slowly). Tests compare it with the numpy reference.
"""

from __future__ import annotations

import cmath
import math

import numpy as np

_EPS = 1e-12
_S2 = 1.0 / math.sqrt(2.0)
_W = cmath.exp(0.25j * math.pi)


def _usqrt(c, s):  # pragma: no cover - exercised through the jitted/pure entry point
    """Principal square root of the unit complex number ``c + i s`` with real square roots
    (the half-angle formulas; ``cmath.sqrt``'s branch, signed zero included)."""
    if c >= 0.0:
        re = math.sqrt(0.5 * (1.0 + c))
        return complex(re, s / (2.0 * re))
    im = math.copysign(math.sqrt(0.5 * (1.0 - c)), s)
    return complex(abs(s) / (2.0 * abs(im)), im)


def _demux(g, ia, ib, rout):  # pragma: no cover - exercised through the jitted/pure entry point
    """In place: ``g[ia] <- v``, ``g[ib] <- u . diag(W, W*)``; ``rout`` gets r (see synthesis)."""
    a00, a01, a10, a11 = g[ia, 0, 0], g[ia, 0, 1], g[ia, 1, 0], g[ia, 1, 1]
    b00, b01, b10, b11 = g[ib, 0, 0], g[ib, 0, 1], g[ib, 1, 0], g[ib, 1, 1]
    # x = a b^+
    x00 = a00 * b00.conjugate() + a01 * b01.conjugate()
    x01 = a00 * b10.conjugate() + a01 * b11.conjugate()
    x10 = a10 * b00.conjugate() + a11 * b01.conjugate()
    x11 = a10 * b10.conjugate() + a11 * b11.conjugate()
    det = x00 * x11 - x01 * x10
    # Bergholm et al.'s r without exp/phase: with d = det (|d| = 1), q = d^(1/4) and
    # f = e^{i arg(x00 / sqrt(d)) / 2} (principal roots): r1 = W q* f*, r2 = i W q* f.
    # Every root is of a unit complex number, taken with real square roots (_usqrt).
    ad = math.sqrt(det.real * det.real + det.imag * det.imag)
    det = det * (1.0 / ad)  # unitary up to rounding: keep r exactly unimodular
    sd = _usqrt(det.real, det.imag)
    q = _usqrt(sd.real, sd.imag)
    z = x00 * sd.conjugate()
    az = math.sqrt(z.real * z.real + z.imag * z.imag)
    f = _usqrt(z.real / az, z.imag / az) if az > _EPS else 1.0 + 0.0j
    base = _W * q.conjugate()
    r1 = base * f.conjugate()
    r2 = 1j * base * f
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
    u00, u01, u10, u11 = w0, -w1.conjugate(), w1, w0.conjugate()
    # v = diag(W, W*) u^+ diag(r*) b
    c0, c1 = r1.conjugate(), r2.conjugate()
    t00, t01, t10, t11 = c0 * b00, c0 * b01, c1 * b10, c1 * b11
    wc = _W.conjugate()
    g[ia, 0, 0] = _W * (u00.conjugate() * t00 + u10.conjugate() * t10)
    g[ia, 0, 1] = _W * (u00.conjugate() * t01 + u10.conjugate() * t11)
    g[ia, 1, 0] = wc * (u01.conjugate() * t00 + u11.conjugate() * t10)
    g[ia, 1, 1] = wc * (u01.conjugate() * t01 + u11.conjugate() * t11)
    g[ib, 0, 0], g[ib, 0, 1] = u00 * _W, u01 * wc
    g[ib, 1, 0], g[ib, 1, 1] = u10 * _W, u11 * wc
    rout[0], rout[1] = r1, r2


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
                r = math.sqrt(abs(a0) ** 2 + abs(a1) ** 2)
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
        phase = cmath.phase(psi[0])
        pos = 0
        for s in range(n - 1, -1, -1):
            size = 1 << (n - 1 - s)
            for j in range(size - 1, -1, -1):
                q = offs[s] + j
                # W = F^+; then W = e^{i gamma} Rz(phi) Ry(theta) Rz(lam)
                w00, w01 = g[q, 0, 0].conjugate(), g[q, 1, 0].conjugate()
                w10, w11 = g[q, 0, 1].conjugate(), g[q, 1, 1].conjugate()
                gamma = 0.5 * cmath.phase(w00 * w11 - w01 * w10)
                e = cmath.exp(-1j * gamma)
                v00, v10, v11 = w00 * e, w10 * e, w11 * e
                theta = 2.0 * math.atan2(abs(v10), abs(v00))
                ssum = 2.0 * cmath.phase(v11)
                sdif = 2.0 * cmath.phase(v10)
                out[b, pos] = 0.5 * (ssum - sdif)
                out[b, pos + 1] = theta
                out[b, pos + 2] = 0.5 * (ssum + sdif)
                phase += gamma
                pos += 3
        out[b, pos] = phase


_jitted = None


def complex_angles(v: np.ndarray, n: int) -> np.ndarray:
    """Slot values for a batch of normalized complex vectors ``v`` ``(B, 2^n)``."""
    global _jitted
    if _jitted is None:
        try:
            from numba import njit

            # error_model="numpy": no zero-division checks (every divisor is guarded above)
            jit = njit(cache=True, nogil=True, error_model="numpy")
            globals()["_usqrt"] = jit(_usqrt)
            globals()["_demux"] = jit(_demux)
            globals()["_ucg"] = jit(_ucg)
            _jitted = jit(complex_core)
        except ImportError:  # pragma: no cover - numba ships with quimb
            _jitted = complex_core
    out = np.empty((v.shape[0], 3 * ((1 << n) - 1) + 1))
    _jitted(np.ascontiguousarray(v, dtype=np.complex128), n, out)
    return out

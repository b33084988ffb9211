"""How closely the reference engine must match each golden tensor, and the comparison itself."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Tolerance:
    """Absolute and relative tolerance for `np.isclose`, with the reason for the width."""

    atol: float
    rtol: float
    reason: str


_FLOAT32 = "float32 defaults: a few ulps for a different summation order or libm"
_RECURRENT = (
    "error accumulates over timesteps through the recurrent matmul, and the gate nonlinearities "
    "(sigmoid, tanh) come from different libraries, so their last-ulp differences compound"
)

TOLERANCES: dict[str, Tolerance] = {
    "core": Tolerance(1e-5, 1e-5, _FLOAT32),
    "activation": Tolerance(1e-5, 1e-5, _FLOAT32),
    "convolution": Tolerance(1e-5, 1e-5, _FLOAT32),
    "pooling": Tolerance(1e-5, 1e-5, _FLOAT32),
    # Widened: see _RECURRENT.
    "recurrent": Tolerance(2e-5, 1e-4, _RECURRENT),
    # Widened like "recurrent": both directions run the same recurrences, then get merged.
    "wrappers": Tolerance(2e-5, 1e-4, _RECURRENT),
    "embedding": Tolerance(0.0, 0.0, "a lookup copies stored float32 values; nothing is computed"),
    "text": Tolerance(0.0, 0.0, "integer token ids must match exactly"),
    "exact": Tolerance(0.0, 0.0, "pure data movement (max, reshape, identity): no rounding at all"),
}


def compare(actual, expected, tol: Tolerance) -> str | None:
    """None when `actual` matches `expected` within `tol`, else a message naming the worst element.

    Shape is checked first, then dtype, then values. NaN only matches NaN.
    """
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    if actual.shape != expected.shape:
        return f"shape {actual.shape} != expected {expected.shape}"
    if actual.dtype != expected.dtype:
        return f"dtype {actual.dtype} != expected {expected.dtype}"
    if actual.size == 0:
        return None
    if actual.dtype.kind in "bUSO":
        bad = actual != expected
        if not bad.any():
            return None
        index = np.unravel_index(int(np.argmax(bad)), bad.shape)
        return (
            f"{int(bad.sum())} of {bad.size} elements differ; first at {tuple(map(int, index))}: "
            f"actual={actual[index].item()!r}, expected={expected[index].item()!r}"
        )
    a = actual.astype(np.float64)
    e = expected.astype(np.float64)
    close = np.isclose(a, e, atol=tol.atol, rtol=tol.rtol, equal_nan=True)
    if close.all():
        return None
    with np.errstate(invalid="ignore", over="ignore"):
        abs_diff = np.abs(a - e)
        # How far past the allowed band each element lies; NaN or inf mismatches rank worst.
        excess = abs_diff - (tol.atol + tol.rtol * np.abs(e))
    excess = np.where(np.isnan(excess) | np.isinf(excess), np.inf, excess)
    excess = np.where(close, -np.inf, excess)
    index = np.unravel_index(int(np.argmax(excess)), excess.shape)
    diff = abs_diff[index]
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = diff / abs(e[index]) if e[index] != 0 else np.inf
    return (
        f"{int((~close).sum())} of {close.size} elements differ; "
        f"worst at {tuple(map(int, index))}: actual={actual[index].item()!r}, "
        f"expected={expected[index].item()!r}, abs diff={diff:.3g}, rel diff={rel:.3g} "
        f"(atol={tol.atol:g}, rtol={tol.rtol:g})"
    )

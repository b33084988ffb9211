"""Layer-by-layer comparison of the engine with live Keras, to find where a port diverges."""

import numpy as np

# Which tolerance family a layer class is held to (see conformance/tolerances.py).
FAMILY = {
    "Conv2D": "convolution",
    "MaxPooling2D": "pooling",
    "AveragePooling2D": "pooling",
    "GlobalAveragePooling2D": "pooling",
    "GlobalMaxPooling2D": "pooling",
    "SimpleRNN": "recurrent",
    "LSTM": "recurrent",
    "GRU": "recurrent",
    "Bidirectional": "wrappers",
    "TextVectorization": "text",
    "Embedding": "embedding",
}


def differences(actual, expected):
    """(largest absolute, largest relative difference) of numeric arrays of one shape, else None.

    The relative difference is taken only where the expected value is a normal float32:
    dividing by zero or by a subnormal (which TensorFlow may flush to zero) says nothing. A NaN
    or infinity where the other side is finite counts as an infinite difference; matching NaNs
    count as equal.
    """
    actual, expected = np.asarray(actual), np.asarray(expected)
    numeric = actual.dtype.kind in "biuf" and expected.dtype.kind in "biuf"
    if actual.shape != expected.shape or not numeric:
        return None
    if actual.size == 0:
        return 0.0, 0.0
    a, e = actual.astype(np.float64), expected.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(a - e)
    both_nan = np.isnan(a) & np.isnan(e)
    diff = np.where(both_nan, 0.0, np.where(np.isnan(diff), np.inf, diff))
    normal = np.abs(e) >= np.finfo(np.float32).tiny
    rel = diff[normal] / np.abs(e[normal])
    return float(diff.max()), float(rel.max()) if rel.size else 0.0


def diff_rows(engine_layers, keras_layers, tolerances):
    """One row per layer: name, class, shape, abs and rel difference, within tolerance or not."""
    keras_by_name = dict(keras_layers)
    rows = []
    for layer, (name, ours) in engine_layers:
        theirs = keras_by_name.get(name)
        family = FAMILY.get(layer.class_name, "core")
        tol = tolerances[family]
        if theirs is None:
            rows.append((name, layer.class_name, ours.shape, None, None, False, "no Keras output"))
            continue
        if theirs.shape != ours.shape:
            note = f"shape differs: Keras {theirs.shape}"
            rows.append((name, layer.class_name, ours.shape, None, None, False, note))
            continue
        abs_diff, rel_diff = differences(ours, theirs)
        ok = bool(
            np.allclose(
                ours, theirs.astype(ours.dtype), atol=tol.atol, rtol=tol.rtol, equal_nan=True
            )
        )
        rows.append((name, layer.class_name, ours.shape, abs_diff, rel_diff, ok, family))
    return rows


def format_rows(rows):
    lines = [f"{'layer':<28} {'class':<22} {'shape':<20} {'max abs':>10} {'max rel':>10}  status"]
    first_bad = next((i for i, row in enumerate(rows) if not row[5]), None)
    for i, (name, class_name, shape, abs_diff, rel_diff, ok, note) in enumerate(rows):
        shape_text = "(" + ", ".join(str(d) for d in shape) + ")"
        abs_text = "-" if abs_diff is None else f"{abs_diff:.3g}"
        rel_text = "-" if rel_diff is None else f"{rel_diff:.3g}"
        status = "ok" if ok else "BEYOND TOLERANCE"
        if i == first_bad:
            status += "  <-- first divergence"
        if abs_diff is None:
            status += f" ({note})"
        lines.append(
            f"{name:<28} {class_name:<22} {shape_text:<20} {abs_text:>10} {rel_text:>10}  {status}"
        )
    return "\n".join(lines), first_bad

"""Per-layer golden tests: each catalogue case's model through the engine, against Keras."""

import numpy as np
import pytest

from conformance.cases import CASES
from conformance.tolerances import TOLERANCES, compare


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_output_matches_keras(case, load_model, golden_file):
    """The engine's output equals the captured Keras output: shape, dtype, then values."""
    model = load_model(str(golden_file(f"layers/{case.id}.keras")))
    with np.load(golden_file(f"layers/{case.id}.npz")) as fixture:
        x, expected = fixture["input"], fixture["output"]

    actual = np.asarray(model.predict(x))

    problem = compare(actual, expected, TOLERANCES[case.tolerance])
    assert problem is None, f"{case.id} ({case.layers[-1][0]}, {case.family}): {problem}"


MASKED = [case for case in CASES if case.input.kind == "tokens" and case.input.padding != "none"]


@pytest.mark.parametrize("case", MASKED, ids=[case.id for case in MASKED])
def test_output_mask_matches_keras(case, load_model, golden_file):
    """The engine's output mask equals Keras's, and is absent exactly where Keras has none."""
    model = load_model(str(golden_file(f"layers/{case.id}.keras")))
    if not hasattr(model, "predict_with_mask"):
        pytest.skip("this engine does not expose masks (no predict_with_mask)")
    with np.load(golden_file(f"layers/{case.id}.npz")) as fixture:
        x = fixture["input"]
        expected = fixture["mask"] if "mask" in fixture.files else None

    _, actual = model.predict_with_mask(x)

    if expected is None:
        assert actual is None, f"{case.id}: Keras's last layer carries no mask, the engine does"
        return
    assert actual is not None, f"{case.id}: Keras carries a mask, the engine none"
    problem = compare(np.asarray(actual, bool), expected.astype(bool), TOLERANCES["exact"])
    assert problem is None, f"{case.id} mask: {problem}"

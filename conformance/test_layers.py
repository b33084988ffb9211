"""Per-layer golden tests: each catalogue case's model through the engine, against Keras.

A case the engine says it does not implement (see `conformance.report.is_unsupported`) is
skipped as "unsupported: ..." and counted so in the conformance report; any other exception
from the engine is a failure.
"""

from contextlib import contextmanager

import numpy as np
import pytest

from conformance.cases import CASES, MASKED
from conformance.report import PROPERTY, UNSUPPORTED, error_stats, is_unsupported
from conformance.tolerances import TOLERANCES, compare


@contextmanager
def engine_may_refuse(record):
    """Turns the engine's "unsupported" exceptions into a skip that the report counts."""
    try:
        yield
    except Exception as error:
        if not is_unsupported(error):
            raise
        record["outcome"] = "unsupported"
        message = str(error).splitlines()[0] if str(error) else ""
        pytest.skip(f"{UNSUPPORTED} {type(error).__name__}: {message}")


def conformance_record(case, record_property):
    """The dict this test shares with the report plugin; filled in as the test goes.

    The test's report carries this very dict, so the errors added after this call reach it.
    """
    record = {"case": case.id, "family": case.family}
    record_property(PROPERTY, record)
    return record


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_output_matches_keras(case, load_model, golden_file, record_property):
    """The engine's output equals the captured Keras output: shape, dtype, then values."""
    record = conformance_record(case, record_property)
    with np.load(golden_file(f"layers/{case.id}.npz")) as fixture:
        x, expected = fixture["input"], fixture["output"]
    with engine_may_refuse(record):
        model = load_model(str(golden_file(f"layers/{case.id}.keras")))
        actual = np.asarray(model.predict(x))

    stats = error_stats(actual, expected)
    if stats is not None:
        record["max_abs"], record["max_rel"] = stats
    problem = compare(actual, expected, TOLERANCES[case.tolerance])
    assert problem is None, f"{case.id} ({case.layers[-1][0]}, {case.family}): {problem}"


@pytest.mark.parametrize("case", MASKED, ids=[case.id for case in MASKED])
def test_output_mask_matches_keras(case, load_model, golden_file, record_property):
    """The engine's output mask equals Keras's, and is absent exactly where Keras has none."""
    record = conformance_record(case, record_property)
    with np.load(golden_file(f"layers/{case.id}.npz")) as fixture:
        x = fixture["input"]
        expected = fixture["mask"] if "mask" in fixture.files else None
    with engine_may_refuse(record):
        model = load_model(str(golden_file(f"layers/{case.id}.keras")))
        if not hasattr(model, "predict_with_mask"):
            pytest.skip("this engine does not expose masks (no predict_with_mask)")
        _, actual = model.predict_with_mask(x)

    if expected is None:
        assert actual is None, f"{case.id}: Keras's last layer carries no mask, the engine does"
        return
    assert actual is not None, f"{case.id}: Keras carries a mask, the engine none"
    problem = compare(np.asarray(actual, bool), expected.astype(bool), TOLERANCES["exact"])
    assert problem is None, f"{case.id} mask: {problem}"

"""The command line: bad arguments and bad files end in one readable line and exit status 2."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
LSTM = "golden/models/lstm_nusax.keras"


def run(*args):
    result = subprocess.run(
        [sys.executable, "-m", "reference", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result.returncode, result.stdout + result.stderr


@pytest.mark.parametrize(
    "args, words",
    [
        (
            ["evaluate", LSTM, "--dataset", "nusax", "--samples", "0"],
            "--samples must be at least 1",
        ),
        (["evaluate", LSTM, "--golden"], "give no MODEL"),
        (["evaluate", LSTM, "--dataset", "nusax", "--source", "/nonexistent"], "does not exist"),
        (["summary", "/nonexistent.keras"], "model file not found"),
        (["diff", LSTM, "--input", "/nonexistent.npy"], "No such file"),
    ],
    ids=["samples-zero", "golden-with-model", "missing-source", "missing-model", "missing-input"],
)
def test_bad_arguments_give_one_error_line(args, words):
    status, output = run(*args)
    assert status == 2, output
    assert words in output and "Traceback" not in output, output


def test_object_array_input_is_refused_without_unpickling(tmp_path):
    path = tmp_path / "texts.npy"
    np.save(path, np.array(["apa", "kabar"], dtype=object), allow_pickle=True)
    status, output = run("diff", LSTM, "--input", str(path))
    assert status == 2 and "without unpickling" in output and "Traceback" not in output, output


def test_evaluate_samples_are_spread_over_classes():
    from conformance.evaluation import load_test_set

    _, labels = load_test_set("nusax", samples=30)
    assert len(labels) == 30 and set(labels) == {0, 1, 2}


def test_summary_lists_the_layers():
    status, output = run("summary", LSTM)
    assert status == 0 and "LSTM" in output and "TextVectorization" in output, output


def test_golden_evaluation_on_a_sample_compares_the_same_rows():
    # The recorded Keras predictions cover the whole test split; a sample must take the same
    # spread-out rows from them as from the inputs, or engine and Keras look different.
    from conformance.evaluation import evaluate_golden

    rows = evaluate_golden(samples=50)
    assert [row.samples for row in rows] == [50, 50, 50]
    assert all(row.agreement == 1.0 and row.passed for row in rows), rows

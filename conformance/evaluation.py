"""Full-model checks: a model's test-set predictions from the engine against Keras's.

Keras predictions come from a recorded .npy beside a golden model, or from live Keras when it
is installed. Nothing here is needed by the engine itself.
"""

import importlib.util
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_MODELS_DIR = ROOT / "golden" / "models"
# Every golden model and the test set it is checked on.
GOLDEN_MODELS = {"cnn_cifar10": "cifar10", "simplernn_nusax": "nusax", "lstm_nusax": "nusax"}

# The full-model thresholds: macro-F1 equal within F1_TOLERANCE, predicted classes equal on at
# least MIN_AGREEMENT of the samples, and no probability further apart than MAX_PROB_DIFF.
F1_TOLERANCE = 0.001
MIN_AGREEMENT = 0.999
MAX_PROB_DIFF = 1e-4


@dataclass
class Row:
    model: str
    samples: int
    keras_f1: float | None
    reference_f1: float
    agreement: float | None
    max_diff: float | None
    seconds: float

    @property
    def passed(self):
        if self.keras_f1 is None:
            return True
        return (
            abs(self.keras_f1 - self.reference_f1) <= F1_TOLERANCE
            and self.agreement >= MIN_AGREEMENT
            and self.max_diff <= MAX_PROB_DIFF
        )


def load_test_set(dataset, source=None, samples=None):
    """(inputs, labels) of a test split, as the models take them; samples picks N spread evenly."""
    if dataset == "cifar10":
        from datasets import cifar10

        x, y = cifar10.load("test", source=source)
        x = cifar10.to_model_input(x)
    elif dataset == "nusax":
        from datasets import nusax

        x, y = nusax.load("test", directory=source)
    else:
        raise ValueError(f"unknown dataset {dataset!r}; expected 'cifar10' or 'nusax'")
    if samples is not None:
        index = spread_index(len(y), samples)
        x, y = x[index], y[index]
    return x, y


def spread_index(total, samples):
    """Indices of `samples` items spread evenly over a split of `total` (all of it if fewer).

    Spread, not the first N: the CIFAR-10 test set is sorted by class, so its first N images
    would all be airplanes.
    """
    if samples < 1:
        raise ValueError(f"samples must be at least 1, found {samples}")
    return np.unique(np.linspace(0, total - 1, min(samples, total)).round().astype(int))


def macro_f1(labels, predicted):
    from sklearn.metrics import f1_score

    return float(f1_score(labels, predicted, average="macro"))


def keras_available():
    return all(importlib.util.find_spec(name) for name in ("keras", "tensorflow"))


def live_keras_predictions(model_path, x, batch_size=256):
    """keras_model.predict(x) with live Keras, strings passed as a (batch, 1) string tensor."""
    import keras
    import tensorflow as tf

    model = keras.saving.load_model(model_path, safe_mode=True)
    if x.dtype.kind in "UO":
        x = tf.constant(np.asarray(x, dtype=str)[:, None])
    return np.asarray(model.predict(x, batch_size=batch_size, verbose=0), dtype=np.float32)


def evaluate(model_path, dataset, keras_probs=None, samples=None, batch_size=None, source=None):
    """One row of the evaluation table for a model on its test set.

    keras_probs, when given, are Keras's probabilities for the whole test split; with samples
    the same spread-out rows are taken from them as from the inputs.
    """
    from reference import load_model

    name = Path(model_path).stem
    x, y = load_test_set(dataset, source=source)
    if keras_probs is not None:
        keras_probs = np.asarray(keras_probs)
        if len(keras_probs) != len(y):
            raise ValueError(
                f"{name}: the Keras predictions hold {len(keras_probs)} rows; expected one per "
                f"sample of the {dataset} test split ({len(y)})"
            )
    if samples is not None:
        index = spread_index(len(y), samples)
        x, y = x[index], y[index]
        keras_probs = None if keras_probs is None else keras_probs[index]
    model = load_model(model_path)
    start = time.perf_counter()
    probs = model.predict(x, batch_size=batch_size)
    seconds = time.perf_counter() - start
    if keras_probs is None and keras_available():
        keras_probs = live_keras_predictions(model_path, x)
    return compare(name, y, probs, keras_probs, seconds)


def compare(name, labels, probs, keras_probs, seconds=0.0):
    predicted = probs.argmax(axis=-1)
    if keras_probs is None:
        return Row(name, len(labels), None, macro_f1(labels, predicted), None, None, seconds)
    if keras_probs.shape != probs.shape:
        raise ValueError(
            f"{name}: Keras predictions have shape {keras_probs.shape}, the engine's {probs.shape}"
        )
    keras_predicted = keras_probs.argmax(axis=-1)
    return Row(
        model=name,
        samples=len(labels),
        keras_f1=macro_f1(labels, keras_predicted),
        reference_f1=macro_f1(labels, predicted),
        agreement=float(np.mean(predicted == keras_predicted)),
        max_diff=float(np.max(np.abs(probs - keras_probs))) if probs.size else 0.0,
        seconds=seconds,
    )


def evaluate_golden(samples=None, batch_size=None):
    """Rows for every golden model, against the Keras predictions recorded beside it."""
    rows = []
    for name, dataset in GOLDEN_MODELS.items():
        path = GOLDEN_MODELS_DIR / f"{name}.keras"
        recorded = np.load(GOLDEN_MODELS_DIR / f"{name}.predictions.npy")
        rows.append(evaluate(path, dataset, recorded, samples=samples, batch_size=batch_size))
    return rows


def format_table(rows):
    """A markdown table of evaluation rows."""

    def number(value, spec):
        return "n/a" if value is None else format(value, spec)

    lines = [
        "| model | samples | Keras macro-F1 | reference macro-F1 | agreement | largest diff | "
        "seconds | verdict |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        verdict = (
            "no Keras to compare"
            if row.keras_f1 is None
            else ("agrees" if row.passed else "DIVERGES")
        )
        lines.append(
            f"| {row.model} | {row.samples} | {number(row.keras_f1, '.4f')} | "
            f"{row.reference_f1:.4f} | {number(row.agreement, '.2%')} | "
            f"{number(row.max_diff, '.2e')} | {row.seconds:.2f} | {verdict} |"
        )
    return "\n".join(lines)

"""Full-model checks: the golden models on their real test sets, engine against Keras."""

import hashlib
import json

import numpy as np
import pytest

from conformance import evaluation


@pytest.fixture(scope="module", params=sorted(evaluation.GOLDEN_MODELS))
def golden_run(request, load_model, golden_file):
    """One golden model's test-set predictions from the engine, with Keras's recorded ones."""
    name = request.param
    dataset = evaluation.GOLDEN_MODELS[name]
    model = load_model(str(golden_file(f"models/{name}.keras")))
    keras_probs = np.load(golden_file(f"models/{name}.predictions.npy"))
    metadata = json.loads(golden_file(f"models/{name}.json").read_text())
    x, y = evaluation.load_test_set(dataset)
    probs = np.asarray(model.predict(x))
    return name, x, y, probs, keras_probs, metadata


def test_test_set_is_the_one_keras_saw(golden_run):
    """The labels (and so the order) of the test set equal those recorded at training time."""
    name, _, y, _, keras_probs, metadata = golden_run
    assert len(y) == len(keras_probs), f"{name}: {len(y)} labels, {len(keras_probs)} predictions"
    digest = hashlib.sha256(np.ascontiguousarray(y, dtype=np.int64).tobytes()).hexdigest()
    assert digest == metadata["test_labels_sha256"], f"{name}: test labels differ from training"


def test_probabilities_within_tolerance(golden_run):
    name, _, _, probs, keras_probs, _ = golden_run
    assert probs.shape == keras_probs.shape and probs.dtype == np.float32, name
    worst = float(np.max(np.abs(probs - keras_probs)))
    assert worst <= evaluation.MAX_PROB_DIFF, f"{name}: largest probability difference {worst:.3g}"


def test_predicted_classes_agree(golden_run):
    name, _, _, probs, keras_probs, _ = golden_run
    agreement = float(np.mean(probs.argmax(-1) == keras_probs.argmax(-1)))
    assert agreement >= evaluation.MIN_AGREEMENT, f"{name}: classes agree on {agreement:.4%}"


def test_macro_f1_matches_keras(golden_run):
    name, _, y, probs, keras_probs, metadata = golden_run
    ours = evaluation.macro_f1(y, probs.argmax(-1))
    theirs = evaluation.macro_f1(y, keras_probs.argmax(-1))
    assert abs(ours - theirs) <= evaluation.F1_TOLERANCE, f"{name}: {ours:.4f} vs {theirs:.4f}"


def test_decoded_cifar10_pixels_match_the_recorded_digest(golden_file):
    """The JPEG decoder here yields exactly the pixels the golden CNN predictions were made on."""
    from datasets import cifar10

    recorded = golden_file("data/cifar10-test.pixels.sha256").read_text().strip()
    x, y = cifar10.load("test", source=golden_file("data/cifar10-test.tar.gz"))
    assert cifar10.pixels_digest(x, y) == recorded, (
        "the vendored CIFAR-10 JPEGs decode to different pixels with this Pillow/libjpeg; the "
        "recorded Keras predictions do not apply to them"
    )

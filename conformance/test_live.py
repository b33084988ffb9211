"""Live differential tests: Hypothesis draws layer configurations and inputs, Keras and the
engine run them, and they must agree within the conformance tolerances.

A failure shrinks to a minimal configuration; each one found becomes a case in cases.py.
Run them alone with `-m keras`. They need TensorFlow; where it is missing they are skipped,
unless CONFORMANCE_REQUIRE_KERAS=1 (set by `nox -s conformance`) makes that a failure.
"""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.tolerances import TOLERANCES, compare

if os.environ.get("CONFORMANCE_REQUIRE_KERAS") == "1":
    from conformance import keras_runner
else:
    keras_runner = pytest.importorskip("conformance.keras_runner", reason="needs TensorFlow")

from reference import load_model  # noqa: E402

pytestmark = pytest.mark.keras
LIVE = settings(
    max_examples=int(os.environ.get("LIVE_EXAMPLES", "70")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=os.environ.get("LIVE_RANDOM") != "1",
)
ACTIVATIONS = st.sampled_from(["linear", "relu", "tanh", "sigmoid", "elu", "gelu", "softmax"])


def run_both(tmp_path, layers, x, seed, family):
    """Builds a Sequential model in Keras, gives it distinct random weights, saves it, and
    compares Keras's prediction with the engine's on the saved file."""
    keras = keras_runner.keras
    keras.backend.clear_session()
    dtype = "int32" if x.dtype.kind == "i" else "float32"
    model = keras.Sequential([keras.Input(shape=x.shape[1:], dtype=dtype), *layers])
    path = _save(tmp_path, model, seed)
    config = [layer.get_config() for layer in layers]
    _assert_agrees(model, path, x, family, f"{family} {config}: ")


def _save(tmp_path, model, seed):
    """Gives the model distinct random weights (seeded) and saves it."""
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.6, w.shape).astype(np.float32) for w in model.get_weights()])
    path = tmp_path / "live.keras"
    model.save(path)
    return path


def _assert_agrees(model, path, x, family, context=""):
    """The engine's prediction from the saved file matches Keras's within the family's tolerance."""
    expected = keras_runner.predict(model, x)
    actual = load_model(path).predict(x)
    problem = compare(actual, expected.astype(np.float32), TOLERANCES[family])
    assert problem is None, f"{context}{problem}"


@st.composite
def conv_cases(draw):
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    padding = draw(st.sampled_from(["valid", "same"]))
    dilated = draw(st.booleans())
    strides = (1, 1) if dilated else (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilated else (1, 1)
    reach = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    height = draw(st.integers(reach[0] if padding == "valid" else 1, 9))
    width = draw(st.integers(reach[1] if padding == "valid" else 1, 9))
    options = dict(
        filters=draw(st.integers(1, 4)),
        kernel_size=kernel,
        strides=strides,
        padding=padding,
        dilation_rate=dilation,
        use_bias=draw(st.booleans()),
        activation=draw(ACTIVATIONS),
    )
    return options, (draw(st.integers(1, 3)), height, width, draw(st.integers(1, 3)))


@LIVE
@given(case=conv_cases(), seed=st.integers(0, 2**16))
def test_conv2d_agrees_with_keras(tmp_path, case, seed):
    options, shape = case
    x = np.random.default_rng(seed).normal(size=shape).astype(np.float32)
    run_both(tmp_path, [keras_runner.keras.layers.Conv2D(**options)], x, seed, "convolution")


@st.composite
def pooling_cases(draw):
    pool = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    strides = draw(st.none() | st.tuples(st.integers(1, 3), st.integers(1, 3)))
    padding = draw(st.sampled_from(["valid", "same"]))
    low = pool if padding == "valid" else (1, 1)
    shape = (
        draw(st.integers(1, 3)),
        draw(st.integers(low[0], 8)),
        draw(st.integers(low[1], 8)),
        draw(st.integers(1, 3)),
    )
    kind = draw(st.sampled_from(["MaxPooling2D", "AveragePooling2D"]))
    return kind, dict(pool_size=pool, strides=strides, padding=padding), shape


@LIVE
@given(case=pooling_cases(), seed=st.integers(0, 2**16), negative=st.booleans())
def test_pooling_agrees_with_keras(tmp_path, case, seed, negative):
    kind, options, shape = case
    x = np.random.default_rng(seed).normal(size=shape).astype(np.float32)
    if negative:
        x = -np.abs(x) - 1  # a padded zero would win a max
    layer = getattr(keras_runner.keras.layers, kind)(**options)
    run_both(tmp_path, [layer], x, seed, "pooling")


@st.composite
def recurrent_cases(draw):
    cell = draw(st.sampled_from(["SimpleRNN", "LSTM", "GRU"]))
    options = dict(
        units=draw(st.integers(1, 4)),
        return_sequences=draw(st.booleans()),
        go_backwards=draw(st.booleans()),
        use_bias=draw(st.booleans()),
    )
    if cell == "GRU":
        options["reset_after"] = draw(st.booleans())
    if cell != "SimpleRNN":
        options["recurrent_activation"] = draw(st.sampled_from(["sigmoid", "hard_sigmoid"]))
    options["activation"] = draw(st.sampled_from(["tanh", "relu", "softsign"]))
    wrapper = draw(st.sampled_from([None, "concat", "sum", "ave", "mul"]))
    if wrapper is not None:
        options["go_backwards"] = False
    batch, steps = draw(st.integers(1, 4)), draw(st.integers(1, 6))
    ids = draw(
        st.lists(
            st.lists(st.integers(0, 6), min_size=steps, max_size=steps),
            min_size=batch,
            max_size=batch,
        )
    )
    return cell, options, wrapper, np.array(ids, np.int32), draw(st.booleans())


@LIVE
@given(case=recurrent_cases(), seed=st.integers(0, 2**16))
def test_recurrent_layers_with_masks_agree_with_keras(tmp_path, case, seed):
    cell, options, wrapper, ids, mask_zero = case
    layers = keras_runner.keras.layers
    recurrent = getattr(layers, cell)(**options)
    if wrapper is not None:
        recurrent = layers.Bidirectional(recurrent, merge_mode=wrapper)
    stack = [layers.Embedding(7, 3, mask_zero=mask_zero), recurrent]
    run_both(tmp_path, stack, ids, seed, "wrappers" if wrapper else "recurrent")


def _functional(build, input_shape, dtype):
    keras = keras_runner.keras
    keras.backend.clear_session()
    keras.utils.set_random_seed(7)
    inputs = keras.Input(shape=input_shape, dtype=dtype)
    return keras.Model(inputs, build(inputs))


def test_functional_chain_with_an_embedding_mask_agrees_with_keras(tmp_path):
    """Keras records the Embedding mask as a separate NotEqual node in functional models."""
    layers = keras_runner.keras.layers

    def build(x):
        x = layers.Embedding(9, 4, mask_zero=True)(x)
        x = layers.Bidirectional(layers.LSTM(3, return_sequences=True))(x)
        x = layers.GRU(2)(x)
        return layers.Dense(3, activation="softmax")(x)

    model = _functional(build, (6,), "int32")
    ids = np.array([[1, 2, 3, 0, 0, 0], [0, 0, 4, 5, 6, 7], [0] * 6, [8, 0, 1, 0, 2, 3]], np.int32)
    _assert_agrees(model, _save(tmp_path, model, 7), ids, "wrappers")


def test_functional_cnn_chain_agrees_with_keras(tmp_path):
    layers = keras_runner.keras.layers

    def build(x):
        x = layers.Conv2D(4, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D()(x)
        x = layers.Flatten()(x)
        return layers.Dense(2)(x)

    model = _functional(build, (6, 5, 2), "float32")
    x = np.random.default_rng(3).normal(size=(3, 6, 5, 2)).astype(np.float32)
    _assert_agrees(model, _save(tmp_path, model, 7), x, "convolution")


def test_functional_model_with_a_branch_is_unsupported(tmp_path):
    from reference import UnsupportedLayerError

    layers = keras_runner.keras.layers

    def build(x):
        return layers.Add()([layers.Dense(2)(x), layers.Dense(2)(x)])

    path = _save(tmp_path, _functional(build, (3,), "float32"), 7)
    with pytest.raises(UnsupportedLayerError, match="Add"):
        load_model(path)

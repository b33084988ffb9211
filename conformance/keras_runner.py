"""Live Keras on the same inputs as the engine: whole-model and per-layer outputs.

Only the diagnostics and the live differential tests import this; it needs TensorFlow.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Plain Eigen kernels, as when the fixtures were captured: oneDNN's rounding depends on the CPU.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def load(path):
    """The Keras model in a .keras file, with Keras's safe mode on (no lambdas)."""
    return keras.saving.load_model(path, safe_mode=True, compile=False)


def as_keras_input(x):
    """Strings go to Keras as a (batch, 1) string tensor; arrays as they are."""
    x = np.asarray(x)
    if x.dtype.kind in "UOS":
        return tf.constant(np.asarray(x, dtype=str).reshape(len(x), 1))
    return x


def predict(model, x, batch_size=256):
    return np.asarray(model.predict(as_keras_input(x), batch_size=batch_size, verbose=0))


def layer_outputs(model, x, batch_size=256):
    """(layer name, output) for every layer but the input, from one multi-output Keras model."""
    layers = [layer for layer in model.layers if layer.__class__.__name__ != "InputLayer"]
    probe = keras.Model(inputs=model.inputs, outputs=[layer.output for layer in layers])
    outputs = probe.predict(as_keras_input(x), batch_size=batch_size, verbose=0)
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    return [(layer.name, np.asarray(out)) for layer, out in zip(layers, outputs)]

"""Training one (configuration, seed) with Keras, and checking the saved model with the engine.

Each finished run leaves `model.keras` (inference only) and `record.json` in its run folder;
the record is written last, so its presence means the run finished.
"""

import json
import os
import platform
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out of logs

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from conformance import evaluation  # noqa: E402
from datasets import cifar10, nusax  # noqa: E402
from experiments import sweeps  # noqa: E402
from experiments.baselines import SHARED_CIFAR10, FlipAugmentedBatches, cnn_head  # noqa: E402
from reference.files import write_atomic  # noqa: E402

SUBSET_SEED = 20240601  # which samples a smoke run takes


@dataclass
class Data:
    x_train: object
    y_train: np.ndarray
    x_val: object
    y_val: np.ndarray
    x_test: np.ndarray  # as the engine takes it: float32 images or a str array
    y_test: np.ndarray
    description: dict


def configure_threads(threads):
    """Limit TensorFlow's threads; training shares the machine with the rest of the team."""
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    tf.get_logger().setLevel("ERROR")  # retracing warnings: each run builds a new model
    # Bitwise-repeatable kernels, so a resumed sweep trains exactly what the first one would.
    tf.config.experimental.enable_op_determinism()


def _subset(x, y, n):
    """A seeded random subset of n samples (the loaders sort CIFAR-10 by class)."""
    if n is None or n >= len(y):
        return x, y
    rows = np.sort(np.random.default_rng(SUBSET_SEED).permutation(len(y))[:n])
    return x[rows], y[rows]


def cifar10_source(source):
    """The CIFAR-10 source: the argument, else $CIFAR10_SOURCE, else the shared archive."""
    if source is None and not os.environ.get(cifar10.SOURCE_ENV) and SHARED_CIFAR10.exists():
        return SHARED_CIFAR10
    return source


def load_data(network, smoke=False, source=None):
    """Train, validation and test data of a network's data set; a smoke run takes subsets."""
    limits = sweeps.SMOKE if smoke else {"train": None, "validation": None, "test": None}
    if network == "cnn":
        source = cifar10_source(source)
        x_all, y_all = cifar10.load("train", source=source)
        (x_train, y_train), (x_val, y_val) = cifar10.split_train_validation(
            x_all, y_all, n_validation=10000
        )
        x_test, y_test = cifar10.load("test", source=source)
        x_train, y_train = _subset(x_train, y_train, limits["train"])
        x_val, y_val = _subset(x_val, y_val, limits["validation"])
        x_test, y_test = _subset(x_test, y_test, limits["test"])
        resolved = cifar10.resolve_source("train", source)
        description = {"dataset": "CIFAR-10", "source": str(resolved or "Keras download")}
        x_val, x_test = cifar10.to_model_input(x_val), cifar10.to_model_input(x_test)
    else:
        x_train, y_train = _subset(*nusax.load("train"), limits["train"])
        x_val, y_val = _subset(*nusax.load("valid"), limits["validation"])
        x_test, y_test = _subset(*nusax.load("test"), limits["test"])
        description = {"dataset": "NusaX-Senti (Indonesian)", "source": "datasets.nusax"}
    description["sizes"] = {"train": len(y_train), "validation": len(y_val), "test": len(y_test)}
    return Data(x_train, y_train, x_val, y_val, x_test, y_test, description)


def build_cnn(variable, fixed):
    """Conv2D + pooling blocks, Flatten, a dense head; one pooling type throughout."""
    pooling = {"max": keras.layers.MaxPooling2D, "average": keras.layers.AveragePooling2D}
    layers = [keras.Input(shape=cifar10.IMAGE_SHAPE, dtype="float32")]
    for filters, kernel in zip(variable["conv_filters"], variable["kernel_sizes"], strict=True):
        layers += [
            keras.layers.Conv2D(
                filters, kernel, padding=fixed["padding"], activation=fixed["activation"]
            ),
            pooling[variable["pooling"]](fixed["pool_size"]),
            keras.layers.Dropout(fixed["conv_dropout"]),
        ]
    layers += cnn_head(fixed["dense_units"], fixed["dense_dropout"])
    return keras.Sequential(layers, name="cnn")


def build_rnn(network, variable, fixed, train_texts):
    """TextVectorization, masked Embedding, stacked (bi)directional recurrent layers, Dense."""
    vectorizer = keras.layers.TextVectorization(
        max_tokens=fixed["max_tokens"],
        output_sequence_length=fixed["sequence_length"],
        standardize=fixed["standardize"],
    )
    vectorizer.adapt(tf.constant(train_texts))  # training texts only
    cell = {"simplernn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM}[network]
    layers = [
        keras.Input(shape=(1,), dtype="string"),
        vectorizer,
        keras.layers.Embedding(
            vectorizer.vocabulary_size(),
            fixed["embedding_dim"],
            mask_zero=fixed["embedding_mask_zero"],
        ),
    ]
    for index in range(variable["layers"]):
        recurrent = cell(variable["units"], return_sequences=index < variable["layers"] - 1)
        if variable["bidirectional"]:
            recurrent = keras.layers.Bidirectional(recurrent)
        layers += [recurrent, keras.layers.Dropout(fixed["dropout"])]
    layers.append(keras.layers.Dense(len(nusax.CLASS_NAMES), activation="softmax"))
    return keras.Sequential(layers, name=network)


class Progress(keras.callbacks.Callback):
    """One line per epoch: losses, time in this run and the sweep's estimated remaining time."""

    def __init__(self, prefix, max_epochs, estimate):
        super().__init__()
        self.prefix, self.max_epochs, self.estimate = prefix, max_epochs, estimate
        self.start = time.time()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        elapsed = time.time() - self.start
        left = self.estimate(elapsed, epoch + 1)
        print(
            f"{self.prefix} epoch {epoch + 1}/{self.max_epochs}: loss {logs.get('loss', 0):.4f}, "
            f"val_loss {logs.get('val_loss', 0):.4f}, val_acc {logs.get('val_accuracy', 0):.3f} "
            f"| {elapsed:.0f} s in this run | {left}",
            flush=True,
        )


def train(cfg, seed, data, folder, prefix, estimate):
    """Train one (configuration, seed), save it, check it with the engine and write its record."""
    network, variable, fixed = cfg["network"], cfg["variable"], cfg["fixed"]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(seed)
    start = time.time()
    if network == "cnn":
        model = build_cnn(variable, fixed)
        x_fit = FlipAugmentedBatches(data.x_train, data.y_train, fixed["batch_size"], seed=seed)
        y_fit, fit_args = None, {}
        learning_rate = keras.optimizers.schedules.CosineDecay(
            fixed["learning_rate"],
            decay_steps=fixed["max_epochs"] * len(x_fit),
            alpha=fixed["final_learning_rate_fraction"],
        )
        validation = (data.x_val, data.y_val)
    else:
        model = build_rnn(network, variable, fixed, data.x_train)
        # Keras takes strings as a (batch, 1) string tensor, the engine as a str array.
        x_fit, y_fit = tf.constant(data.x_train[:, None]), data.y_train
        fit_args = {"batch_size": fixed["batch_size"], "shuffle": True}
        learning_rate = fixed["learning_rate"]
        validation = (tf.constant(data.x_val[:, None]), data.y_val)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    stopping = keras.callbacks.EarlyStopping(**fixed["early_stopping"])
    result = model.fit(
        x_fit,
        y_fit,
        validation_data=validation,
        epochs=fixed["max_epochs"],
        verbose=0,
        callbacks=[stopping, Progress(prefix, fixed["max_epochs"], estimate)],
        **fit_args,
    )
    train_seconds = time.time() - start
    history = {key: [float(v) for v in values] for key, values in result.history.items()}

    model_path = folder / "model.keras"
    save_inference_model(model, model_path)
    val_probs = model.predict(validation[0], batch_size=256, verbose=0)
    # Keras's probabilities come from the saved file, exactly what the engine reads.
    keras_probs = evaluation.live_keras_predictions(model_path, data.x_test)
    from reference import load_model

    engine_start = time.time()
    engine_probs = load_model(model_path).predict(data.x_test, batch_size=256)
    engine_seconds = time.time() - engine_start
    row = evaluation.compare(
        config_name(cfg, seed), data.y_test, engine_probs, keras_probs, engine_seconds
    )
    record = {
        "config_id": sweeps.config_id(cfg),
        "config": cfg,
        "seed": seed,
        "seeding": "keras.utils.set_random_seed(seed); tf.config.experimental."
        "enable_op_determinism()",
        "optimizer": "Adam",
        "loss": "sparse_categorical_crossentropy",
        "data": data.description,
        "parameters": int(model.count_params()),
        "layers": [layer.__class__.__name__ for layer in model.layers],
        "history": history,
        "epochs_run": len(history["loss"]),
        "kept_epoch": int(stopping.best_epoch) + 1,
        "validation": {
            "macro_f1": evaluation.macro_f1(data.y_val, val_probs.argmax(-1)),
            "accuracy": float(np.mean(val_probs.argmax(-1) == data.y_val)),
            "best_loss": float(min(history["val_loss"])),
        },
        "test": {
            "keras_macro_f1": row.keras_f1,
            "reference_macro_f1": row.reference_f1,
            "keras_accuracy": float(np.mean(keras_probs.argmax(-1) == data.y_test)),
            "samples": row.samples,
            "agreement": row.agreement,
            "max_prob_diff": row.max_diff,
            "passed": row.passed,
            "thresholds": {
                "f1_tolerance": evaluation.F1_TOLERANCE,
                "min_agreement": evaluation.MIN_AGREEMENT,
                "max_prob_diff": evaluation.MAX_PROB_DIFF,
            },
        },
        "seconds": {
            "train": round(train_seconds, 1),
            "engine_predict": round(engine_seconds, 2),
            "total": round(time.time() - start, 1),
        },
        "threads": tf.config.threading.get_intra_op_parallelism_threads(),
        "versions": {
            "keras": keras.__version__,
            "tensorflow": tf.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    text = json.dumps(record, indent=2) + "\n"
    write_atomic(folder / "record.json", text.encode())
    return record


def config_name(cfg, seed):
    return f"{cfg['network']} {sweeps.variant_label(cfg['network'], cfg['variable'])} seed {seed}"


def save_inference_model(model, path):
    """Save without optimizer state (reload uncompiled, save again), replacing path atomically."""
    staging = Path(tempfile.mkdtemp(dir=path.parent, prefix=".save-"))
    try:
        model.save(staging / "compiled.keras")
        keras.saving.load_model(staging / "compiled.keras", compile=False).save(
            staging / "model.keras"
        )
        os.replace(staging / "model.keras", path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)

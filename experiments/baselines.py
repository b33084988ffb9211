"""Train the three baseline models the full-model conformance checks use, and record them.

Usage: `python -m experiments.baselines [--model cnn|simplernn|lstm|all] [--epochs N]
[--out golden/models] [--cifar10-source PATH]`

For each model NAME (cnn_cifar10, simplernn_nusax, lstm_nusax) this writes, each file atomically:

- `NAME.keras`: the trained model, saved for inference (no optimizer state);
- `NAME.predictions.npy`: float32 probabilities `(n_test, n_classes)` that Keras's
  `model.predict` gives, with the saved file, for the whole test split in the loader's order;
- `NAME.json`: data, settings, per-epoch history, test macro-F1 and accuracy, versions, and the
  sha256 of the test labels (their little-endian int64 bytes, in the loader's order).

The models use only layers the reference engine implements and are plain `keras.Sequential`.
"""

import argparse
import hashlib
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out of logs

import keras  # noqa: E402
import numpy as np  # noqa: E402
import sklearn  # noqa: E402
import tensorflow as tf  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402

from datasets import cifar10, nusax  # noqa: E402
from reference.files import write_atomic  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_CIFAR10 = Path("/work/shared/datasets/cifar10/cifar10-jpg.tar.gz")
SEED = 1337
MODEL_NAMES = {"cnn": "cnn_cifar10", "simplernn": "simplernn_nusax", "lstm": "lstm_nusax"}

CNN_SETTINGS = {
    "conv_filters": [32, 32, 64, 64, 128],
    "pool_after_conv": [2, 4, 5],  # 1-based conv indices followed by 2x2 max pooling
    "conv_dropout": 0.25,
    "dense_units": 128,
    "dense_dropout": 0.5,
    "batch_size": 64,
    "max_epochs": 15,
    "learning_rate": 1e-3,
    "learning_rate_schedule": "cosine decay over max_epochs, to final_learning_rate_fraction",
    "final_learning_rate_fraction": 0.05,
    "early_stopping": {"monitor": "val_loss", "patience": 4, "restore_best_weights": True},
    "augmentation": "random horizontal flip (p=0.5) in the input pipeline, not in the model",
    "n_validation": 10000,
    "split_seed": cifar10.DEFAULT_SPLIT_SEED,
}

# Shared by both NusaX models; the grid below varies the rest, chosen on validation data only.
TEXT_SETTINGS = {
    "standardize": "lower_and_strip_punctuation",
    "split": "whitespace",
    "embedding_mask_zero": True,
    "batch_size": 16,
    "max_epochs": 40,
    "learning_rate": 1e-3,
    "early_stopping": {"monitor": "val_loss", "patience": 6, "restore_best_weights": True},
}
TEXT_GRID = [
    {
        "max_tokens": max_tokens,
        "sequence_length": 64,
        "embedding_dim": 64,
        "units": units,
        "bidirectional": bidirectional,
        "dropout": dropout,
    }
    for max_tokens in (2000, 5000)
    for units in (32, 64)
    for bidirectional in (False, True)
    for dropout in (0.3, 0.5)
]
SELECTION_RULE = (
    "each grid setting is trained with the same seed; the one with the highest validation "
    "macro-F1 is kept, ties going to the lower validation loss; the test split is used only "
    "for the kept model"
)


def main(argv=None):
    """Parse arguments and train the chosen baselines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=[*MODEL_NAMES, "all"], default="all")
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="maximum epochs, overriding each model's default (for quick trial runs)",
    )
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "golden" / "models")
    parser.add_argument(
        "--cifar10-source",
        type=Path,
        default=None,
        help=f"CIFAR-10 training data (default: ${cifar10.SOURCE_ENV}, else {SHARED_CIFAR10} if "
        f"present, else Keras's download)",
    )
    args = parser.parse_args(argv)
    if args.epochs is not None and args.epochs < 1:
        parser.error("--epochs must be at least 1")

    args.out.mkdir(parents=True, exist_ok=True)
    # Bitwise-repeatable kernels, so the same seed gives the same model on the same machine.
    tf.config.experimental.enable_op_determinism()
    chosen = list(MODEL_NAMES) if args.model == "all" else [args.model]
    for kind in chosen:
        if kind == "cnn":
            train_cnn(args.out, args.epochs, args.cifar10_source)
        else:
            train_text_model(kind, args.out, args.epochs)


# ---------------------------------------------------------------------------------------------
# CIFAR-10 CNN


class FlipAugmentedBatches(keras.utils.PyDataset):
    """Shuffled batches of model-ready images, each mirrored left-right with probability 1/2.

    The shuffle and flips of each epoch are drawn up front from a seeded NumPy generator, so the
    stream does not depend on the order in which Keras asks for batches.
    """

    def __init__(self, x, y, batch_size, seed):
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size
        self._rng = np.random.default_rng(seed)
        self._draw_epoch()

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        rows = self._order[index * self.batch_size : (index + 1) * self.batch_size]
        images = self.x[rows]
        flip = self._flip[rows]
        images[flip] = images[flip, :, ::-1]  # axis 2 is width in (batch, height, width, channels)
        return cifar10.to_model_input(images), self.y[rows]

    def on_epoch_end(self):
        self._draw_epoch()

    def _draw_epoch(self):
        self._order = self._rng.permutation(len(self.x))
        self._flip = self._rng.random(len(self.x)) < 0.5


def build_cnn(settings):
    """Return the CIFAR-10 CNN: conv blocks with max pooling, then a dense classifier."""
    layers = [keras.Input(shape=cifar10.IMAGE_SHAPE, dtype="float32")]
    for index, filters in enumerate(settings["conv_filters"], start=1):
        layers.append(keras.layers.Conv2D(filters, 3, padding="same", activation="relu"))
        if index in settings["pool_after_conv"]:
            layers.append(keras.layers.MaxPooling2D(2))
            layers.append(keras.layers.Dropout(settings["conv_dropout"]))
    layers += cnn_head(settings["dense_units"], settings["dense_dropout"])
    return keras.Sequential(layers, name="cnn_cifar10")


def cnn_head(dense_units, dense_dropout):
    """Flatten, Dense(relu), Dropout, then a softmax over the CIFAR-10 classes."""
    return [
        keras.layers.Flatten(),
        keras.layers.Dense(dense_units, activation="relu"),
        keras.layers.Dropout(dense_dropout),
        keras.layers.Dense(len(cifar10.CLASS_NAMES), activation="softmax"),
    ]


def train_cnn(out, epochs, source):
    """Train the CIFAR-10 CNN on 40,000 images, validate on 10,000, and record it."""
    name = MODEL_NAMES["cnn"]
    settings = dict(CNN_SETTINGS)
    if epochs is not None:
        settings["max_epochs"] = epochs
    if source is None and not os.environ.get(cifar10.SOURCE_ENV) and SHARED_CIFAR10.exists():
        source = SHARED_CIFAR10
    train_source = cifar10.resolve_source("train", source)
    test_source = cifar10.resolve_source("test")

    print(f"[{name}] loading CIFAR-10 train from {train_source or 'Keras download'}", flush=True)
    x_all, y_all = cifar10.load("train", source=source)
    (x_train, y_train), (x_val, y_val) = cifar10.split_train_validation(
        x_all, y_all, n_validation=settings["n_validation"], seed=settings["split_seed"]
    )
    print(f"[{name}] loading CIFAR-10 test from {test_source or 'Keras download'}", flush=True)
    x_test, y_test = cifar10.load("test")
    print(
        f"[{name}] {len(x_train)} train / {len(x_val)} validation / {len(x_test)} test images",
        flush=True,
    )

    keras.utils.set_random_seed(SEED)
    model = build_cnn(settings)
    batches = FlipAugmentedBatches(x_train, y_train, settings["batch_size"], seed=SEED)
    schedule = keras.optimizers.schedules.CosineDecay(
        settings["learning_rate"],
        decay_steps=settings["max_epochs"] * len(batches),
        alpha=settings["final_learning_rate_fraction"],
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=schedule),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.summary(print_fn=lambda line, **_: print(line, flush=True))
    history, seconds, kept_epoch = _fit(
        model, name, batches, None, (cifar10.to_model_input(x_val), y_val), settings
    )

    dataset = {
        "name": "CIFAR-10",
        "class_names": list(cifar10.CLASS_NAMES),
        "train_source": _describe_source(train_source),
        "test_source": _describe_source(test_source),
        "split_sizes": {"train": len(x_train), "validation": len(x_val), "test": len(x_test)},
        "validation": "stratified split of the 50,000 training images "
        "(datasets.cifar10.split_train_validation), 1,000 per class",
        "model_input": "datasets.cifar10.to_model_input: float32 pixels / 255, "
        "(batch, 32, 32, 3) RGB",
    }
    _finish(
        model,
        name,
        out,
        settings,
        history,
        seconds,
        kept_epoch,
        dataset,
        predict_input=cifar10.to_model_input(x_test),
        y_test=y_test,
        n_classes=len(cifar10.CLASS_NAMES),
        validation=(cifar10.to_model_input(x_val), y_val),
    )


# ---------------------------------------------------------------------------------------------
# NusaX text models


def build_text_model(kind, settings, train_texts):
    """Return a NusaX sentiment model: TextVectorization, Embedding, recurrent layer, classifier.

    The vectorizer is adapted on the training texts only.
    """
    vectorizer = keras.layers.TextVectorization(
        max_tokens=settings["max_tokens"],
        output_sequence_length=settings["sequence_length"],
        standardize=settings["standardize"],
        split=settings["split"],
    )
    vectorizer.adapt(tf.constant(train_texts))
    recurrent_class = {"simplernn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM}[kind]
    recurrent = recurrent_class(settings["units"])
    if settings["bidirectional"]:
        recurrent = keras.layers.Bidirectional(recurrent)
    return keras.Sequential(
        [
            keras.Input(shape=(1,), dtype="string"),
            vectorizer,
            # Index 0 is TextVectorization's padding, so masking it hides the padded steps.
            keras.layers.Embedding(
                vectorizer.vocabulary_size(),
                settings["embedding_dim"],
                mask_zero=settings["embedding_mask_zero"],
            ),
            recurrent,
            keras.layers.Dropout(settings["dropout"]),
            keras.layers.Dense(len(nusax.CLASS_NAMES), activation="softmax"),
        ],
        name=MODEL_NAMES[kind],
    )


def train_text_model(kind, out, epochs):
    """Pick the NusaX model's settings on validation data, then record the chosen model."""
    name = MODEL_NAMES[kind]
    train_texts, y_train = nusax.load("train")
    val_texts, y_val = nusax.load("valid")
    test_texts, y_test = nusax.load("test")
    # Keras takes strings as a tf.string tensor of shape (batch, 1), not as a NumPy array.
    x_train, x_val = tf.constant(train_texts[:, None]), tf.constant(val_texts[:, None])
    print(
        f"[{name}] NusaX-Senti (Indonesian): {len(y_train)} train / {len(y_val)} validation / "
        f"{len(y_test)} test rows; {len(TEXT_GRID)} settings to try",
        flush=True,
    )

    trials, best = [], None
    for trial_index, grid_point in enumerate(TEXT_GRID):
        settings = {**TEXT_SETTINGS, **grid_point}
        if epochs is not None:
            settings["max_epochs"] = epochs
        keras.utils.set_random_seed(SEED)
        model = build_text_model(kind, settings, train_texts)
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate=settings["learning_rate"]),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        print(f"[{name}] trial {trial_index + 1}/{len(TEXT_GRID)}: {grid_point}", flush=True)
        history, seconds, kept_epoch = _fit(
            model, name, x_train, y_train, (x_val, y_val), settings, verbose=0
        )
        val_probabilities = model.predict(x_val, verbose=0)
        scores = _scores(y_val, val_probabilities, len(nusax.CLASS_NAMES))
        val_loss = float(
            keras.losses.sparse_categorical_crossentropy(y_val, val_probabilities).numpy().mean()
        )
        trial = {
            "settings": grid_point,
            "epochs_run": len(history["loss"]),
            "kept_epoch": kept_epoch,
            "validation_macro_f1": scores["macro_f1"],
            "validation_accuracy": scores["accuracy"],
            "validation_loss": val_loss,
            "seconds": round(seconds, 1),
        }
        trials.append(trial)
        print(
            f"[{name}]   validation macro-F1 {scores['macro_f1']:.4f}, accuracy "
            f"{scores['accuracy']:.4f}, loss {val_loss:.4f} (kept epoch {kept_epoch} "
            f"of {trial['epochs_run']}, {seconds:.0f} s)",
            flush=True,
        )
        key = (scores["macro_f1"], -val_loss)
        if best is None or key > best[0]:
            best = (key, trial_index, model, settings, history, seconds, kept_epoch)

    _, best_index, model, settings, history, seconds, kept_epoch = best
    print(f"[{name}] kept trial {best_index + 1}: {TEXT_GRID[best_index]}", flush=True)
    model.summary(print_fn=lambda line, **_: print(line, flush=True))
    dataset = {
        "name": "NusaX-Senti (Indonesian subset)",
        "class_names": list(nusax.CLASS_NAMES),
        "source": "golden/data/nusax-senti-id (datasets.nusax.load)",
        "split_sizes": {"train": len(y_train), "validation": len(y_val), "test": len(y_test)},
        "model_input": "tf.string tensor of shape (batch, 1), raw sentence text",
        "vocabulary_size": int(model.layers[0].vocabulary_size()),
    }
    selection = {"rule": SELECTION_RULE, "kept_trial": best_index + 1, "trials": trials}
    _finish(
        model,
        name,
        out,
        settings,
        history,
        seconds,
        kept_epoch,
        dataset,
        predict_input=tf.constant(test_texts[:, None]),
        y_test=y_test,
        n_classes=len(nusax.CLASS_NAMES),
        validation=(x_val, y_val),
        selection=selection,
    )


# ---------------------------------------------------------------------------------------------
# Shared


def _fit(model, name, x, y, validation, settings, verbose=2):
    """Fit with early stopping; return the per-epoch history, seconds taken and kept epoch.

    The kept epoch is 1-based: the epoch whose weights early stopping restored.
    """
    stopping = settings["early_stopping"]
    early_stopping = keras.callbacks.EarlyStopping(
        monitor=stopping["monitor"],
        patience=stopping["patience"],
        restore_best_weights=stopping["restore_best_weights"],
        verbose=min(verbose, 1),
    )
    if verbose:
        print(f"[{name}] training for up to {settings['max_epochs']} epochs", flush=True)
    start = time.time()
    fit_args = {} if y is None else {"batch_size": settings["batch_size"], "shuffle": True}
    result = model.fit(
        x,
        y,
        validation_data=validation,
        epochs=settings["max_epochs"],
        callbacks=[early_stopping],
        verbose=verbose,
        **fit_args,
    )
    history = {key: [float(v) for v in values] for key, values in result.history.items()}
    return history, time.time() - start, early_stopping.best_epoch + 1


def _scores(y_true, probabilities, n_classes):
    y_pred = np.argmax(probabilities, axis=1)
    return {
        "macro_f1": float(
            f1_score(
                y_true, y_pred, average="macro", labels=list(range(n_classes)), zero_division=0
            )
        ),
        "accuracy": float(np.mean(y_pred == y_true)),
    }


def _finish(
    model,
    name,
    out,
    settings,
    history,
    seconds,
    kept_epoch,
    dataset,
    predict_input,
    y_test,
    n_classes,
    validation,
    selection=None,
):
    """Save the model for inference, predict the test split with the saved file, and record."""
    model_path = out / f"{name}.keras"
    _save_inference_model(model, model_path)
    saved = keras.saving.load_model(model_path, compile=False)
    probabilities = np.asarray(saved.predict(predict_input, batch_size=256, verbose=0), np.float32)
    in_memory = model.predict(predict_input, batch_size=256, verbose=0)
    drift = float(np.max(np.abs(probabilities - in_memory)))
    if drift > 1e-6:
        raise RuntimeError(f"{model_path} predicts differently from the trained model ({drift})")
    if probabilities.shape != (len(y_test), n_classes):
        raise RuntimeError(f"unexpected prediction shape {probabilities.shape}")
    predictions_path = out / f"{name}.predictions.npy"
    write_atomic(predictions_path, lambda f: np.save(f, probabilities))

    test = _scores(y_test, probabilities, n_classes)
    val = _scores(validation[1], saved.predict(validation[0], batch_size=256, verbose=0), n_classes)
    record = {
        "name": name,
        "dataset": dataset,
        "seed": SEED,
        "seeding": "keras.utils.set_random_seed(seed) before building the model; "
        "tf.config.experimental.enable_op_determinism()",
        "optimizer": "Adam",
        "loss": "sparse_categorical_crossentropy",
        "training": settings,
        "epochs_run": len(history["loss"]),
        "kept_epoch": kept_epoch,
        "kept_epoch_means": "1-based epoch with the lowest val_loss, restored by early stopping",
        "training_seconds": round(seconds, 1),
        "history": history,
        "validation": {"macro_f1": val["macro_f1"], "accuracy": val["accuracy"]},
        "test": {
            "macro_f1": test["macro_f1"],
            "accuracy": test["accuracy"],
            "n": len(y_test),
            "metric": "sklearn.metrics.f1_score(average='macro') on argmax of the predictions",
        },
        "test_labels_sha256": hashlib.sha256(np.asarray(y_test, dtype="<i8").tobytes()).hexdigest(),
        "test_labels_sha256_of": "little-endian int64 labels in the loader's order",
        "parameters": int(model.count_params()),
        "layers": [layer.__class__.__name__ for layer in saved.layers],
        "files": {
            "model": model_path.name,
            "model_bytes": model_path.stat().st_size,
            "predictions": predictions_path.name,
            "predictions_shape": list(probabilities.shape),
            "predictions_dtype": "float32",
            "saved_for": "inference: no optimizer state; load with keras.saving.load_model",
        },
        "versions": {
            "keras": keras.__version__,
            "tensorflow": tf.__version__,
            "numpy": np.__version__,
            "scikit-learn": sklearn.__version__,
            "python": platform.python_version(),
        },
    }
    if selection is not None:
        record["selection"] = selection
    json_path = out / f"{name}.json"
    text = json.dumps(record, indent=2) + "\n"
    write_atomic(json_path, text)
    print(
        f"[{name}] test macro-F1 {test['macro_f1']:.4f}, accuracy {test['accuracy']:.4f} "
        f"(validation macro-F1 {val['macro_f1']:.4f}); {len(history['loss'])} epochs, "
        f"{seconds:.0f} s; wrote {model_path.name} ({model_path.stat().st_size / 1e6:.2f} MB), "
        f"{predictions_path.name}, {json_path.name}",
        flush=True,
    )


def _save_inference_model(model, path):
    """Save `model` without optimizer state, replacing `path` atomically.

    Keras 3 saves a compiled model's optimizer too; reloading uncompiled and saving again drops
    it, which keeps the files small and holds only what a forward pass needs.
    """
    staging = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.stem}."))
    try:
        model.save(staging / "compiled.keras")
        inference = keras.saving.load_model(staging / "compiled.keras", compile=False)
        inference.save(staging / "inference.keras")
        os.replace(staging / "inference.keras", path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _describe_source(path):
    if path is None:
        return {"path": "keras.datasets.cifar10.load_data()"}
    try:
        shown = str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        shown = str(path)
    description = {"path": shown}
    if path.is_file():
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        description["sha256"] = digest.hexdigest()
    return description


if __name__ == "__main__":
    main()

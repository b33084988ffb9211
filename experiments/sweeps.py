"""What the sweeps train: base variants, swept values, fixed settings and tuning candidates.

Nothing here imports Keras, so the report can be rebuilt from runs/ with NumPy and matplotlib.

A variant is a full configuration: network, swept (variable) settings, fixed settings and the
smoke flag. Its identity is a hash of that configuration, so a configuration that appears in
several sweeps (the base variant is in every sweep of its network) is trained once per seed.
"""

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

NETWORKS = ("simplernn", "lstm", "cnn")
NETWORK_TITLES = {
    "cnn": "CNN on CIFAR-10",
    "simplernn": "SimpleRNN on NusaX-Senti",
    "lstm": "LSTM on NusaX-Senti",
}
SEEDS = {"cnn": 2, "simplernn": 5, "lstm": 5}
# Tuning runs use the first seeds of the sweep, so the chosen candidate's base runs are reused.
TUNING_SEEDS = 2

CNN_BASE = {"conv_filters": [32, 64, 128], "kernel_sizes": [3, 3, 3], "pooling": "max"}
RNN_BASE = {"layers": 1, "units": 64, "bidirectional": True}


@dataclass(frozen=True)
class Sweep:
    network: str
    name: str
    hyperparameter: str
    ordered: bool  # whether the values have a natural order (a trend is meaningful)
    values: tuple  # (label, variable settings) pairs, in the order they are reported
    earlier: tuple  # the earlier public report's macro-F1 per value, None where it has none


def _cnn(**changes):
    return {**CNN_BASE, **changes}


def _rnn(**changes):
    return {**RNN_BASE, **changes}


def _rnn_sweeps(network, earlier):
    return (
        Sweep(
            network,
            "layers",
            "recurrent layers",
            True,
            (
                ("1 layer", _rnn(layers=1)),
                ("2 layers", _rnn(layers=2)),
                ("3 layers", _rnn(layers=3)),
            ),
            earlier["layers"],
        ),
        Sweep(
            network,
            "cells",
            "cells per layer",
            True,
            (
                ("32 cells", _rnn(units=32)),
                ("64 cells", _rnn(units=64)),
                ("128 cells", _rnn(units=128)),
            ),
            earlier["cells"],
        ),
        Sweep(
            network,
            "direction",
            "direction",
            False,
            (
                ("unidirectional", _rnn(bidirectional=False)),
                ("bidirectional", _rnn(bidirectional=True)),
            ),
            earlier["direction"],
        ),
    )


SWEEPS = (
    Sweep(
        "cnn",
        "layers",
        "convolutional layers",
        True,
        (
            ("2 layers", _cnn(conv_filters=[32, 64], kernel_sizes=[3, 3])),
            ("3 layers", _cnn()),
            ("4 layers", _cnn(conv_filters=[32, 64, 128, 256], kernel_sizes=[3, 3, 3, 3])),
        ),
        (0.6929, 0.7242, 0.7302),
    ),
    Sweep(
        "cnn",
        "filters",
        "filters per layer",
        True,
        (
            ("16-32-64", _cnn(conv_filters=[16, 32, 64])),
            ("32-64-128", _cnn()),
            ("64-128-256", _cnn(conv_filters=[64, 128, 256])),
        ),
        (0.7010, 0.7356, 0.7409),
    ),
    Sweep(
        "cnn",
        "kernels",
        "kernel size per layer",
        False,
        (
            ("3x3", _cnn()),
            ("5x5", _cnn(kernel_sizes=[5, 5, 5])),
            ("mixed 7x7-5x5-3x3", _cnn(kernel_sizes=[7, 5, 3])),
        ),
        (0.7485, 0.6906, 0.7244),
    ),
    Sweep(
        "cnn",
        "pooling",
        "pooling type",
        False,
        (
            ("max", _cnn()),
            ("average", _cnn(pooling="average")),
        ),
        (0.7281, 0.7238),
    ),
    *_rnn_sweeps(
        "simplernn",
        {
            "layers": (0.3875, 0.3750, 0.3375),
            "cells": (0.4025, 0.4000, 0.5225),
            "direction": (0.4225, 0.4775),
        },
    ),
    *_rnn_sweeps(
        "lstm",
        {
            "layers": (0.3850, None, None),
            "cells": (0.3825, None, None),
            "direction": (0.5250, 0.7225),
        },
    ),
)
EARLIER_REPORT = "an earlier public report on the same task (single runs, one seed each)"

# Settings that do not vary within a sweep. For the text models the keys named in
# TUNING_KEYS are chosen per network from the candidates below on validation data.
CNN_FIXED = {
    "dense_units": 256,
    "conv_dropout": 0.25,  # after every pooling layer
    "dense_dropout": 0.5,
    "head": "Flatten, Dense(dense_units, relu), Dropout, Dense(10, softmax)",
    "padding": "same",
    "activation": "relu",
    "pool_size": 2,
    "batch_size": 64,
    "max_epochs": 12,
    "learning_rate": 1e-3,
    "learning_rate_schedule": "cosine decay over max_epochs to final_learning_rate_fraction",
    "final_learning_rate_fraction": 0.05,
    "early_stopping": {"monitor": "val_loss", "patience": 3, "restore_best_weights": True},
    "augmentation": "random horizontal flip (p=0.5) in the input pipeline, not in the model",
    "split": "40,000 train / 10,000 validation (stratified, split seed 0) / 10,000 test",
}
RNN_FIXED = {
    "max_tokens": 3000,  # the training texts hold about 2,800 distinct words
    "sequence_length": 64,  # longer than 99% of the sentences
    "standardize": "lower_and_strip_punctuation",
    "embedding_dim": 64,
    "embedding_mask_zero": True,
    "dropout": 0.5,  # after every recurrent layer
    "batch_size": 16,
    "max_epochs": 40,
    "learning_rate": 1e-3,
    "early_stopping": {"monitor": "val_loss", "patience": 6, "restore_best_weights": True},
    "split": "NusaX-Senti (Indonesian) train.csv / valid.csv / test.csv: 500 / 100 / 400",
}
TUNING_KEYS = ("embedding_dim", "learning_rate", "dropout")
TEXT_CANDIDATES = (
    {"embedding_dim": 64, "learning_rate": 1e-3, "dropout": 0.5},
    {"embedding_dim": 128, "learning_rate": 1e-3, "dropout": 0.5},
    {"embedding_dim": 64, "learning_rate": 3e-3, "dropout": 0.5},
    {"embedding_dim": 128, "learning_rate": 3e-3, "dropout": 0.3},
)
# A second round for the LSTM only, added after the first round's sweeps had finished with the
# best LSTM variant below the 0.75 test target: four candidates aimed at less overfitting
# (smaller embeddings, slower learning, more dropout). The choice among all eight is still
# made on validation data alone, by TUNING_RULE.
LSTM_SECOND_ROUND = (
    {"embedding_dim": 32, "learning_rate": 1e-3, "dropout": 0.5},
    {"embedding_dim": 64, "learning_rate": 5e-4, "dropout": 0.5},
    {"embedding_dim": 32, "learning_rate": 2e-3, "dropout": 0.6},
    {"embedding_dim": 64, "learning_rate": 1e-3, "dropout": 0.6},
)
TUNING_NOTES = {
    "lstm": "The last four candidates are a second round, added after the sweeps with the first "
    "four had finished with the best LSTM variant below the 0.75 test target; the test split "
    "prompted the wider search but plays no part in the choice, which is made on validation "
    "data alone, as for the first round."
}
TUNING_RULE = (
    "each candidate is trained on the base variant with the first {seeds} seeds; the one with the "
    "highest mean validation macro-F1 is kept (ties: lower mean best validation loss); the test "
    "split plays no part"
)
# Smoke runs: a few hundred samples, one epoch, one seed, two tuning candidates.
SMOKE = {"train": 300, "validation": 100, "test": 100, "max_epochs": 1, "seeds": 1, "candidates": 2}


def sweeps(network=None, name=None):
    """The sweeps, optionally only those of one network and/or one name."""
    return [s for s in SWEEPS if network in (None, s.network) and name in (None, s.name)]


def default_fixed(network, smoke=False):
    fixed = dict(CNN_FIXED if network == "cnn" else RNN_FIXED)
    if smoke:
        fixed["max_epochs"] = SMOKE["max_epochs"]
    return fixed


def candidates(network, smoke=False):
    """Fixed-settings candidates to tune over; a single one where nothing is tuned."""
    base = default_fixed(network, smoke)
    if network == "cnn":
        return [base]
    if smoke:
        chosen = TEXT_CANDIDATES[: SMOKE["candidates"]]
    else:
        chosen = TEXT_CANDIDATES + (LSTM_SECOND_ROUND if network == "lstm" else ())
    return [{**base, **candidate} for candidate in chosen]


def base_variable(network):
    return dict(CNN_BASE if network == "cnn" else RNN_BASE)


def n_seeds(network, smoke=False):
    return SMOKE["seeds"] if smoke else SEEDS[network]


def seeds(network, smoke=False, override=None):
    return list(range(1, (override or n_seeds(network, smoke)) + 1))


def tuning_seeds(network, smoke=False, override=None):
    return seeds(network, smoke, override)[:TUNING_SEEDS]


def config(network, variable, fixed, smoke=False):
    return {"network": network, "variable": variable, "fixed": fixed, "smoke": smoke}


def config_id(cfg):
    """A readable name plus a hash of the whole configuration."""
    canonical = json.dumps(cfg, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:10]
    return f"{variant_label(cfg['network'], cfg['variable'])}-{digest}"


def variant_label(network, variable):
    if network == "cnn":
        filters = "-".join(map(str, variable["conv_filters"]))
        kernels = "-".join(map(str, variable["kernel_sizes"]))
        return f"L{len(variable['conv_filters'])}-f{filters}-k{kernels}-{variable['pooling']}"
    direction = "bi" if variable["bidirectional"] else "uni"
    return f"L{variable['layers']}-c{variable['units']}-{direction}"


def run_dir(runs_dir, cfg, seed):
    return Path(runs_dir) / cfg["network"] / config_id(cfg) / f"seed-{seed}"


def read_record(runs_dir, cfg, seed):
    """The finished record of a (configuration, seed), or None when it has not finished."""
    return read_json(run_dir(runs_dir, cfg, seed) / "record.json")


def read_json(path):
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def tuning_summary(network, runs_dir, smoke=False, seed_override=None):
    """Per candidate: settings, finished records and mean validation scores."""
    rows = []
    for fixed in candidates(network, smoke):
        cfg = config(network, base_variable(network), fixed, smoke)
        records = [
            r
            for seed in tuning_seeds(network, smoke, seed_override)
            if (r := read_record(runs_dir, cfg, seed)) is not None
        ]
        rows.append(
            {
                "tuned": {k: fixed[k] for k in TUNING_KEYS if k in fixed},
                "fixed": fixed,
                "records": records,
                "validation_macro_f1": _mean([r["validation"]["macro_f1"] for r in records]),
                "validation_loss": _mean([r["validation"]["best_loss"] for r in records]),
            }
        )
    return rows


def choose_fixed(network, runs_dir, smoke=False, seed_override=None):
    """The fixed settings the sweeps use, or None while tuning has unfinished runs."""
    rows = tuning_summary(network, runs_dir, smoke, seed_override)
    if len(rows) == 1:
        return rows[0]["fixed"]
    wanted = len(tuning_seeds(network, smoke, seed_override))
    if any(len(row["records"]) < wanted for row in rows):
        return None
    best = max(rows, key=lambda row: (row["validation_macro_f1"], -row["validation_loss"]))
    return best["fixed"]


def sweep_configs(sweep, fixed, smoke=False):
    return [
        (label, config(sweep.network, variable, fixed, smoke)) for label, variable in sweep.values
    ]


def _mean(values):
    return math.fsum(values) / len(values) if values else float("nan")

"""The one declarative catalogue of per-layer golden cases.

Each case is a small Sequential model (layers named as Keras names them, with their kwargs), an
input recipe and a seed. `conformance.capture` turns a case into `golden/layers/<id>.keras` and
`golden/layers/<id>.npz`; the conformance tests run the reference engine on the same files.
This module imports neither TensorFlow nor Keras, so test workers can import it cheaply.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from conformance.tolerances import TOLERANCES

FAMILIES = (
    "core",
    "activation",
    "convolution",
    "pooling",
    "embedding",
    "recurrent",
    "wrappers",
    "text",
)
PADDINGS = ("none", "post", "pre", "mixed", "holes")
FLOAT_DISTS = ("normal", "uniform", "wide")

_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class InputSpec:
    """How to generate a case's input batch.

    kind "float": float32 of `shape` (batch first). `dist` "normal" is N(0, 1); "uniform" is
    U(low, high); "wide" shuffles an odd-length linspace(low, high), which holds 0 and both ends,
    with N(0, 1.5) samples so both saturation and the region around 0 are exercised.
    kind "tokens": int32 (batch, time) ids in [1, vocab) with 0 (the mask value) placed by
    `padding`: "post" and "pre" pad every row but the last to a random length in [1, time);
    "mixed" rows are post-padded, pre-padded, all padding, full, then alternate post and pre.
    "holes" rows have padding in the middle of the sequence (between real tokens), one of them
    alternating real and padding steps, so a masked step must carry state and output forward.
    kind "strings": the literal `strings`, one per batch row.
    """

    kind: str
    shape: tuple[int, ...] = ()
    dist: str = "normal"
    low: float = -1.0
    high: float = 1.0
    vocab: int = 0
    padding: str = "none"
    strings: tuple[str, ...] = ()

    def __post_init__(self):
        if self.kind == "float":
            assert len(self.shape) >= 2 and self.dist in FLOAT_DISTS and self.low < self.high
        elif self.kind == "tokens":
            assert len(self.shape) == 2 and self.vocab >= 2 and self.padding in PADDINGS
            batch, time = self.shape
            assert self.padding == "none" or time >= 2, "padding needs at least two steps"
            assert self.padding != "mixed" or batch >= 4, "mixed padding needs four rows"
            assert self.padding != "holes" or time >= 4, "holes need four steps"
        elif self.kind == "strings":
            assert self.strings and self.shape == (len(self.strings),)
        else:
            raise AssertionError(f"unknown input kind {self.kind!r}")


def floats(*shape: int, dist: str = "normal", low: float = -1.0, high: float = 1.0) -> InputSpec:
    """Float input of `shape`, batch first."""
    return InputSpec("float", tuple(shape), dist=dist, low=low, high=high)


def negatives(*shape: int) -> InputSpec:
    """Float input that is negative everywhere, so a zero from padding would win a max."""
    return floats(*shape, dist="uniform", low=-9.0, high=-1.0)


def wide(*shape: int, limit: float = 20.0) -> InputSpec:
    """Float input spanning [-limit, limit] and the region near 0."""
    return floats(*shape, dist="wide", low=-limit, high=limit)


def tokens(batch: int, time: int, vocab: int, padding: str = "none") -> InputSpec:
    """Token-id input of shape (batch, time) with ids below `vocab`."""
    return InputSpec("tokens", (batch, time), vocab=vocab, padding=padding)


def strings(*values: str) -> InputSpec:
    """Raw string input, one string per batch row."""
    return InputSpec("strings", (len(values),), strings=tuple(values))


@dataclass(frozen=True)
class Case:
    """One golden case: a Sequential model of `layers` applied to an input made from `input`.

    `layers` holds `(class_name, kwargs)` pairs; a wrapper takes its inner layer the same way,
    e.g. `("Bidirectional", {"layer": ("LSTM", {"units": 3}), "merge_mode": "sum"})`.
    `seed` defaults to a CRC of the id, so inserting a case never reseeds the others.
    `tolerance` is a key of `conformance.tolerances.TOLERANCES` and defaults to the family.
    """

    id: str
    family: str
    layers: tuple[tuple[str, dict], ...]
    input: InputSpec
    description: str
    seed: int = -1
    tolerance: str = ""

    def __post_init__(self):
        assert _ID.match(self.id), f"case id {self.id!r} is not kebab-case"
        assert self.family in FAMILIES, f"{self.id}: unknown family {self.family!r}"
        assert self.layers and all(
            isinstance(name, str) and isinstance(kwargs, dict) for name, kwargs in self.layers
        ), self.id
        assert "\n" not in self.description and self.description, self.id
        if self.seed < 0:
            object.__setattr__(self, "seed", zlib.crc32(self.id.encode()) & 0x7FFFFFFF)
        if not self.tolerance:
            object.__setattr__(self, "tolerance", self.family)
        assert self.tolerance in TOLERANCES, f"{self.id}: unknown tolerance {self.tolerance!r}"

    # kwargs dicts are unhashable; the id identifies a case.
    def __hash__(self):
        return hash(self.id)

    @property
    def files(self) -> tuple[str, str]:
        """The fixture paths relative to the golden directory."""
        return (f"layers/{self.id}.keras", f"layers/{self.id}.npz")


def _cases() -> list[Case]:
    cases: list[Case] = []

    def add(id, family, layers, input, description, **extra):
        cases.append(Case(id, family, tuple(layers), input, description, **extra))

    # ---------------------------------------------------------------- core
    add(
        "dense-on-2d-input",
        "core",
        [("Dense", {"units": 4})],
        floats(3, 5),
        "Dense on a plain (batch, features) input",
    )
    add(
        "dense-single-unit",
        "core",
        [("Dense", {"units": 1})],
        floats(4, 3),
        "Dense with one unit keeps a trailing axis of size 1",
    )
    add(
        "dense-without-bias",
        "core",
        [("Dense", {"units": 3, "use_bias": False})],
        floats(2, 4),
        "Dense with use_bias False has only a kernel",
    )
    add(
        "dense-on-rank3-input-acts-on-last-axis",
        "core",
        [("Dense", {"units": 3})],
        floats(2, 4, 5),
        "Dense on rank 3 input multiplies only the last axis",
    )
    add(
        "dense-on-rank4-input-acts-on-last-axis",
        "core",
        [("Dense", {"units": 2})],
        floats(2, 3, 4, 5),
        "Dense on rank 4 input multiplies only the last axis",
    )
    add(
        "dense-with-relu-activation",
        "core",
        [("Dense", {"units": 4, "activation": "relu"})],
        floats(3, 5),
        "Dense with a relu activation in its config",
    )
    add(
        "dense-tanh-then-dense",
        "core",
        [("Dense", {"units": 5, "activation": "tanh"}), ("Dense", {"units": 2})],
        floats(3, 4),
        "two stacked Dense layers",
    )
    add(
        "dropout-between-dense-is-identity-at-inference",
        "core",
        [("Dense", {"units": 4}), ("Dropout", {"rate": 0.5}), ("Dense", {"units": 2})],
        floats(3, 5),
        "Dropout does nothing at inference",
    )
    add(
        "dropout-alone-is-identity",
        "core",
        [("Dropout", {"rate": 0.9})],
        floats(2, 6),
        "a lone Dropout with a high rate returns its input unchanged",
        tolerance="exact",
    )
    add(
        "flatten-rank3-input",
        "core",
        [("Flatten", {})],
        floats(2, 3, 4),
        "Flatten of rank 3 input in row-major order",
        tolerance="exact",
    )
    add(
        "flatten-non-square-rank4-input",
        "core",
        [("Flatten", {})],
        floats(2, 3, 4, 2),
        "Flatten of a non-square (height, width, channels) map",
        tolerance="exact",
    )
    add(
        "conv2d-then-flatten-then-dense-on-non-square-map",
        "core",
        [("Conv2D", {"filters": 3, "kernel_size": 3}), ("Flatten", {}), ("Dense", {"units": 4})],
        floats(2, 7, 9, 2),
        "Conv2D on 7x9, Flatten of the 5x7x3 map, then Dense: catches a wrong flatten order",
    )
    add(
        "conv2d-then-maxpool-then-flatten-then-dense",
        "core",
        [
            ("Conv2D", {"filters": 2, "kernel_size": (2, 3), "activation": "relu"}),
            ("MaxPooling2D", {"pool_size": 2}),
            ("Flatten", {}),
            ("Dense", {"units": 3}),
        ],
        floats(2, 8, 7, 1),
        "a small image classifier head on a non-square map",
    )
    add(
        "activation-layer-relu-after-dense",
        "core",
        [("Dense", {"units": 4}), ("Activation", {"activation": "relu"})],
        floats(3, 5),
        "an Activation layer after Dense",
    )

    # ---------------------------------------------------------------- activation
    # Every name keras.activations.get accepts in Keras 3.15.1, applied by an Activation layer to
    # inputs spanning -20..20 and the region near 0. Dropped: "threshold" (it needs `threshold`
    # and `default_value` arguments, so a layer naming it fails at call time). "swish" and
    # "hard_swish" are aliases whose saved configs say "silu" and "hard_silu"; their cases pin that.
    names = [
        "linear",
        "relu",
        "sigmoid",
        "tanh",
        "softmax",
        "elu",
        "selu",
        "softplus",
        "softsign",
        "swish",
        "silu",
        "gelu",
        "hard_sigmoid",
        "hard_silu",
        "hard_swish",
        "exponential",
        "leaky_relu",
        "relu6",
        "log_softmax",
        "mish",
        "celu",
        "glu",
        "tanh_shrink",
        "squareplus",
        "sparse_plus",
        "soft_shrink",
        "hard_shrink",
        "hard_tanh",
        "log_sigmoid",
        "sparsemax",
        "sparse_sigmoid",
    ]
    for name in names:
        add(
            f"activation-{name.replace('_', '-')}-wide-range",
            "activation",
            [("Activation", {"activation": name})],
            wide(3, 8),
            f"Activation({name!r}) on values from -20 to 20 and near 0",
        )
    # Naive formulas overflow here: exp(100) is inf in float32.
    for name in [
        "tanh",
        "softmax",
        "log_softmax",
        "softplus",
        "sigmoid",
        "log_sigmoid",
        "mish",
        "elu",
        "selu",
        "celu",
        "gelu",
        "swish",
        "sparse_plus",
    ]:
        add(
            f"activation-{name.replace('_', '-')}-saturates-at-plus-minus-100",
            "activation",
            [("Activation", {"activation": name})],
            wide(2, 8, limit=100.0),
            f"Activation({name!r}) on values up to +-100, where naive formulas overflow",
        )
    add(
        "activation-softmax-on-rank3-input-uses-last-axis",
        "activation",
        [("Activation", {"activation": "softmax"})],
        wide(2, 3, 5),
        "softmax normalizes over the last axis of a rank 3 input",
    )
    add(
        "activation-log-softmax-on-rank3-input-uses-last-axis",
        "activation",
        [("Activation", {"activation": "log_softmax"})],
        wide(2, 3, 5),
        "log_softmax normalizes over the last axis of a rank 3 input",
    )
    add(
        "activation-sparsemax-on-rank3-input-uses-last-axis",
        "activation",
        [("Activation", {"activation": "sparsemax"})],
        floats(2, 3, 5),
        "sparsemax over the last axis of a rank 3 input, with ties unlikely",
    )
    add(
        "dense-with-glu-halves-the-units",
        "activation",
        [("Dense", {"units": 6, "activation": "glu"})],
        floats(3, 4),
        "glu on Dense splits the 6 units into value and gate halves: output has 3",
    )
    add(
        "activation-glu-on-rank3-input",
        "activation",
        [("Activation", {"activation": "glu"})],
        wide(2, 3, 6),
        "glu splits the last axis of a rank 3 input",
    )
    for name in ["softmax", "gelu", "hard_sigmoid", "leaky_relu", "swish", "selu", "sparsemax"]:
        add(
            f"dense-with-{name.replace('_', '-')}-activation",
            "activation",
            [("Dense", {"units": 5, "activation": name})],
            floats(3, 4, dist="uniform", low=-4, high=4),
            f"Dense applies {name!r} after the affine map",
        )
    add(
        "dense-softmax-on-rank3-input",
        "activation",
        [("Dense", {"units": 4, "activation": "softmax"})],
        floats(2, 3, 5),
        "Dense with softmax on a rank 3 input: softmax over the units axis",
    )

    # ---------------------------------------------------------------- convolution
    def conv(id, kwargs, shape, description, **extra):
        add(id, "convolution", [("Conv2D", kwargs)], floats(*shape), description, **extra)

    conv(
        "conv2d-3x3-valid-stride1",
        {"filters": 3, "kernel_size": 3},
        (2, 6, 6, 2),
        "the plainest Conv2D: odd square kernel, valid, stride 1",
    )
    conv(
        "conv2d-1x1-pointwise",
        {"filters": 4, "kernel_size": 1},
        (2, 5, 5, 3),
        "a 1x1 convolution is a per-pixel Dense",
    )
    conv(
        "conv2d-single-channel-to-many-filters",
        {"filters": 5, "kernel_size": 3},
        (3, 5, 5, 1),
        "one input channel, five filters",
    )
    conv(
        "conv2d-even-kernel-2x2-valid",
        {"filters": 2, "kernel_size": 2},
        (2, 5, 5, 2),
        "even 2x2 kernel with valid padding",
    )
    conv(
        "conv2d-even-kernel-2x2-same-pads-after",
        {"filters": 2, "kernel_size": 2, "padding": "same"},
        (2, 5, 5, 2),
        "even kernel with same padding: the single pad row/column goes at the end",
    )
    conv(
        "conv2d-even-kernel-4x4-same-pads-unevenly",
        {"filters": 2, "kernel_size": 4, "padding": "same"},
        (2, 6, 6, 1),
        "4x4 same padding: one row/column before, two after",
    )
    conv(
        "conv2d-non-square-kernel-2x3-valid",
        {"filters": 3, "kernel_size": (2, 3)},
        (2, 5, 6, 2),
        "non-square 2x3 kernel, valid",
    )
    conv(
        "conv2d-non-square-kernel-3x1-same",
        {"filters": 2, "kernel_size": (3, 1), "padding": "same"},
        (2, 5, 4, 2),
        "3x1 kernel with same padding pads only the height",
    )
    conv(
        "conv2d-non-square-kernel-1x4-same",
        {"filters": 2, "kernel_size": (1, 4), "padding": "same"},
        (2, 4, 5, 2),
        "1x4 kernel with same padding pads only the width, unevenly",
    )
    conv(
        "conv2d-non-square-input-7x5",
        {"filters": 3, "kernel_size": 3},
        (2, 7, 5, 2),
        "non-square input keeps height and width apart",
    )
    conv(
        "conv2d-valid-stride2-even-input",
        {"filters": 2, "kernel_size": 3, "strides": 2},
        (2, 8, 8, 2),
        "valid, stride 2 on an 8x8 input drops the last column",
    )
    conv(
        "conv2d-valid-stride2-odd-input",
        {"filters": 2, "kernel_size": 3, "strides": 2},
        (2, 7, 7, 2),
        "valid, stride 2 on a 7x7 input",
    )
    conv(
        "conv2d-same-stride2-even-input",
        {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"},
        (2, 8, 8, 2),
        "same, stride 2 on an even input: total pad 1, all of it after",
    )
    conv(
        "conv2d-same-stride2-odd-input",
        {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"},
        (2, 7, 7, 2),
        "same, stride 2 on an odd input: one pad on each side",
    )
    conv(
        "conv2d-same-stride2-even-kernel-even-input",
        {"filters": 2, "kernel_size": 4, "strides": 2, "padding": "same"},
        (2, 8, 8, 1),
        "same, stride 2, 4x4 kernel, even input",
    )
    conv(
        "conv2d-same-stride2-even-kernel-odd-input",
        {"filters": 2, "kernel_size": 4, "strides": 2, "padding": "same"},
        (2, 9, 9, 1),
        "same, stride 2, 4x4 kernel, odd input",
    )
    conv(
        "conv2d-same-stride2-non-square-input-7x6",
        {"filters": 2, "kernel_size": (3, 2), "strides": 2, "padding": "same"},
        (2, 7, 6, 2),
        "same, stride 2 on a 7x6 input: odd height and even width pad differently",
    )
    conv(
        "conv2d-same-stride3-kernel2-needs-no-pad",
        {"filters": 2, "kernel_size": 2, "strides": 3, "padding": "same"},
        (2, 8, 8, 1),
        "kernel smaller than stride: same padding may need no pad at all",
    )
    conv(
        "conv2d-valid-stride3-kernel2-skips-pixels",
        {"filters": 2, "kernel_size": 2, "strides": 3},
        (2, 8, 8, 1),
        "kernel smaller than stride, valid: some pixels are never read",
    )
    conv(
        "conv2d-5x5-kernel-larger-than-stride2-same",
        {"filters": 2, "kernel_size": 5, "strides": 2, "padding": "same"},
        (2, 9, 8, 2),
        "5x5 kernel, stride 2, same: overlapping windows and a two-pixel border",
    )
    conv(
        "conv2d-unequal-strides-1x2-same",
        {"filters": 2, "kernel_size": 3, "strides": (1, 2), "padding": "same"},
        (2, 6, 7, 2),
        "strides (1, 2) with same padding",
    )
    conv(
        "conv2d-unequal-strides-2x1-valid",
        {"filters": 2, "kernel_size": 3, "strides": (2, 1)},
        (2, 7, 6, 2),
        "strides (2, 1) with valid padding",
    )
    conv(
        "conv2d-unequal-strides-2x1-same-odd-height-even-width",
        {"filters": 3, "kernel_size": (3, 2), "strides": (2, 1), "padding": "same"},
        (2, 7, 8, 1),
        "strides (2, 1), same padding, 7x8 input, 3x2 kernel",
    )
    conv(
        "conv2d-dilation2-valid",
        {"filters": 2, "kernel_size": 3, "dilation_rate": 2},
        (2, 8, 8, 2),
        "dilation 2 spreads a 3x3 kernel over 5x5",
    )
    conv(
        "conv2d-dilation2-same",
        {"filters": 2, "kernel_size": 3, "dilation_rate": 2, "padding": "same"},
        (2, 7, 7, 2),
        "dilation 2 with same padding pads by the dilated extent",
    )
    conv(
        "conv2d-dilation2-even-kernel-same",
        {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "padding": "same"},
        (2, 6, 6, 1),
        "even kernel, dilation 2, same: the dilated 3x3 extent is odd again",
    )
    conv(
        "conv2d-dilation-unequal-1x2-same",
        {"filters": 2, "kernel_size": 3, "dilation_rate": (1, 2), "padding": "same"},
        (2, 6, 8, 2),
        "dilation (1, 2) with same padding",
    )
    conv(
        "conv2d-dilation-unequal-2x1-valid-non-square-kernel",
        {"filters": 2, "kernel_size": (2, 3), "dilation_rate": (2, 1)},
        (2, 7, 6, 2),
        "dilation (2, 1) with a 2x3 kernel, valid",
    )
    conv(
        "conv2d-without-bias",
        {"filters": 3, "kernel_size": 3, "use_bias": False},
        (2, 5, 5, 2),
        "Conv2D with use_bias False",
    )
    conv(
        "conv2d-relu-activation",
        {"filters": 3, "kernel_size": 3, "activation": "relu"},
        (2, 5, 6, 2),
        "Conv2D with relu in its config",
    )
    conv(
        "conv2d-swish-activation-same",
        {"filters": 3, "kernel_size": 3, "activation": "swish", "padding": "same"},
        (2, 5, 5, 2),
        "Conv2D with swish (saved as silu) and same padding",
    )
    conv(
        "conv2d-kernel-as-large-as-input",
        {"filters": 3, "kernel_size": (4, 5)},
        (2, 4, 5, 2),
        "a kernel the size of the input gives a 1x1 map",
    )
    conv(
        "conv2d-batch-of-one",
        {"filters": 2, "kernel_size": 3, "padding": "same"},
        (1, 5, 5, 3),
        "a batch of a single image",
    )
    add(
        "conv2d-stack-same-then-valid-stride2",
        "convolution",
        [
            ("Conv2D", {"filters": 4, "kernel_size": 3, "padding": "same", "activation": "relu"}),
            ("Conv2D", {"filters": 2, "kernel_size": 3, "strides": 2}),
        ],
        floats(2, 8, 7, 2),
        "two stacked convolutions: same then valid with stride 2",
    )

    # ---------------------------------------------------------------- pooling
    def pool(id, layer, kwargs, input, description, **extra):
        add(id, "pooling", [(layer, kwargs)], input, description, **extra)

    maxp, avgp = "MaxPooling2D", "AveragePooling2D"
    exact = {"tolerance": "exact"}
    pool(
        "maxpool-2x2-default-strides-even-input",
        maxp,
        {"pool_size": 2},
        floats(2, 8, 8, 2),
        "strides default to the pool size",
        **exact,
    )
    pool(
        "maxpool-2x2-valid-odd-input-drops-last-row",
        maxp,
        {"pool_size": 2},
        floats(2, 7, 7, 2),
        "valid pooling on an odd input ignores the last row and column",
        **exact,
    )
    pool(
        "maxpool-explicit-strides-equal-to-pool",
        maxp,
        {"pool_size": 3, "strides": 3},
        floats(2, 9, 9, 1),
        "strides given equal to the pool size",
        **exact,
    )
    pool(
        "maxpool-3x3-stride2-valid",
        maxp,
        {"pool_size": 3, "strides": 2},
        floats(2, 7, 8, 2),
        "overlapping windows: pool 3, stride 2",
        **exact,
    )
    pool(
        "maxpool-3x3-stride2-same-odd-input-all-negative",
        maxp,
        {"pool_size": 3, "strides": 2, "padding": "same"},
        negatives(2, 7, 7, 2),
        "same padding on negative inputs: a padded zero must never win",
        **exact,
    )
    pool(
        "maxpool-3x3-stride2-same-even-input-all-negative",
        maxp,
        {"pool_size": 3, "strides": 2, "padding": "same"},
        negatives(2, 8, 8, 2),
        "same padding, even input, negative values",
        **exact,
    )
    pool(
        "maxpool-2x2-same-odd-input-all-negative",
        maxp,
        {"pool_size": 2, "padding": "same"},
        negatives(2, 7, 7, 1),
        "same padding adds a row and column at the end",
        **exact,
    )
    pool(
        "maxpool-3x3-stride1-same-all-negative",
        maxp,
        {"pool_size": 3, "strides": 1, "padding": "same"},
        negatives(2, 5, 6, 1),
        "stride 1, same: every border window overlaps the padding",
        **exact,
    )
    pool(
        "maxpool-2x2-stride3-valid",
        maxp,
        {"pool_size": 2, "strides": 3},
        floats(2, 8, 8, 1),
        "stride larger than the pool skips pixels",
        **exact,
    )
    pool(
        "maxpool-2x2-stride3-same-all-negative",
        maxp,
        {"pool_size": 2, "strides": 3, "padding": "same"},
        negatives(2, 7, 8, 1),
        "stride larger than the pool with same padding",
        **exact,
    )
    pool(
        "maxpool-non-square-pool-2x3",
        maxp,
        {"pool_size": (2, 3)},
        floats(2, 6, 9, 2),
        "non-square pool, strides default to (2, 3)",
        **exact,
    )
    pool(
        "maxpool-non-square-pool-3x2-strides-1x2-same-all-negative",
        maxp,
        {"pool_size": (3, 2), "strides": (1, 2), "padding": "same"},
        negatives(2, 5, 7, 2),
        "non-square pool with unequal strides and same padding",
        **exact,
    )
    pool(
        "avgpool-2x2-default-strides-even-input",
        avgp,
        {"pool_size": 2},
        floats(2, 8, 8, 2),
        "average pooling, strides default to the pool size",
    )
    pool(
        "avgpool-2x2-valid-odd-input-drops-last-row",
        avgp,
        {"pool_size": 2},
        floats(2, 7, 7, 1),
        "valid average pooling on an odd input",
    )
    pool(
        "avgpool-3x3-stride2-valid",
        avgp,
        {"pool_size": 3, "strides": 2},
        floats(2, 7, 8, 2),
        "overlapping average windows",
    )
    pool(
        "avgpool-3x3-stride2-same-odd-input-excludes-pad",
        avgp,
        {"pool_size": 3, "strides": 2, "padding": "same"},
        floats(2, 7, 7, 2),
        "same padding: border windows average only the real pixels",
    )
    pool(
        "avgpool-3x3-stride1-same-even-input-excludes-pad",
        avgp,
        {"pool_size": 3, "strides": 1, "padding": "same"},
        floats(2, 6, 6, 1),
        "stride 1, same: every border window overlaps the padding",
    )
    pool(
        "avgpool-2x2-same-odd-input-excludes-pad",
        avgp,
        {"pool_size": 2, "padding": "same"},
        floats(2, 7, 7, 2),
        "the last row and column of windows are half padding",
    )
    pool(
        "avgpool-2x2-stride3-valid",
        avgp,
        {"pool_size": 2, "strides": 3},
        floats(2, 8, 8, 1),
        "stride larger than the pool skips pixels",
    )
    pool(
        "avgpool-2x2-stride3-same",
        avgp,
        {"pool_size": 2, "strides": 3, "padding": "same"},
        floats(2, 7, 8, 1),
        "stride larger than the pool with same padding",
    )
    pool(
        "avgpool-non-square-pool-2x3-same",
        avgp,
        {"pool_size": (2, 3), "padding": "same"},
        floats(2, 5, 7, 2),
        "non-square pool with same padding",
    )
    pool(
        "avgpool-non-square-pool-3x2-strides-2x1-same",
        avgp,
        {"pool_size": (3, 2), "strides": (2, 1), "padding": "same"},
        floats(2, 7, 5, 1),
        "non-square pool, unequal strides, same padding",
    )
    pool(
        "global-avgpool-2d",
        "GlobalAveragePooling2D",
        {},
        floats(3, 5, 4, 3),
        "mean over height and width",
    )
    pool(
        "global-avgpool-2d-keepdims",
        "GlobalAveragePooling2D",
        {"keepdims": True},
        floats(3, 5, 4, 3),
        "keepdims leaves (batch, 1, 1, channels)",
    )
    pool(
        "global-maxpool-2d-all-negative",
        "GlobalMaxPooling2D",
        {},
        negatives(3, 5, 4, 3),
        "max over height and width of negative values",
        **exact,
    )
    pool(
        "global-maxpool-2d-keepdims",
        "GlobalMaxPooling2D",
        {"keepdims": True},
        floats(3, 4, 5, 2),
        "keepdims leaves (batch, 1, 1, channels)",
        **exact,
    )
    add(
        "conv2d-then-global-avgpool-then-dense",
        "pooling",
        [
            ("Conv2D", {"filters": 4, "kernel_size": 3, "activation": "relu"}),
            ("GlobalAveragePooling2D", {}),
            ("Dense", {"units": 2}),
        ],
        floats(2, 7, 6, 2),
        "a global-pooling classifier head",
    )

    # ---------------------------------------------------------------- embedding
    add(
        "embedding-lookup",
        "embedding",
        [("Embedding", {"input_dim": 9, "output_dim": 4})],
        tokens(3, 5, 9),
        "plain lookup, no mask",
    )
    add(
        "embedding-mask-zero-mixed-padding-outputs-mask",
        "embedding",
        [("Embedding", {"input_dim": 7, "output_dim": 3, "mask_zero": True})],
        tokens(4, 6, 7, "mixed"),
        "mask_zero: id 0 still looks up row 0, and the mask is id != 0",
    )
    add(
        "embedding-mask-zero-pre-padding-outputs-mask",
        "embedding",
        [("Embedding", {"input_dim": 6, "output_dim": 2, "mask_zero": True})],
        tokens(3, 5, 6, "pre"),
        "mask_zero with left padding",
    )
    add(
        "embedding-mask-passes-through-dense",
        "embedding",
        [
            ("Embedding", {"input_dim": 7, "output_dim": 3, "mask_zero": True}),
            ("Dense", {"units": 2}),
        ],
        tokens(4, 5, 7, "mixed"),
        "Dense supports masking: the Embedding mask reaches the output",
        tolerance="core",
    )

    # ---------------------------------------------------------------- recurrent
    def embed(vocab=7, dim=3):
        return ("Embedding", {"input_dim": vocab, "output_dim": dim, "mask_zero": True})

    for rnn in ["SimpleRNN", "LSTM", "GRU"]:
        slug = {"SimpleRNN": "simple-rnn", "LSTM": "lstm", "GRU": "gru"}[rnn]

        def rec(id, kwargs, input, description, rnn=rnn, slug=slug, **extra):
            layers = [(rnn, {"units": 3, **kwargs})]
            if input.kind == "tokens":
                layers.insert(0, embed(input.vocab))
            add(f"{slug}-{id}", "recurrent", layers, input, f"{rnn}: {description}", **extra)

        rec("last-output", {}, floats(3, 5, 4), "only the final state")
        rec("return-sequences", {"return_sequences": True}, floats(3, 5, 4), "every step's output")
        rec(
            "go-backwards-last-output",
            {"go_backwards": True},
            floats(3, 5, 4),
            "reads the sequence from the end",
        )
        rec(
            "go-backwards-return-sequences",
            {"go_backwards": True, "return_sequences": True},
            floats(3, 5, 4),
            "outputs come back in processing order, i.e. reversed time",
        )
        rec(
            "without-bias",
            {"use_bias": False, "return_sequences": True},
            floats(3, 4, 3),
            "use_bias False",
        )
        rec("single-unit", {"units": 1}, floats(2, 4, 3), "one unit")
        rec("sequence-of-length-1-last-output", {}, floats(3, 1, 4), "a single timestep")
        rec(
            "sequence-of-length-1-return-sequences",
            {"return_sequences": True, "go_backwards": True},
            floats(3, 1, 4),
            "a single timestep, backwards, with sequences",
        )
        rec(
            "masked-post-padding-last-output",
            {},
            tokens(3, 6, 7, "post"),
            "right padding: the last real step's state is returned",
        )
        rec(
            "masked-pre-padding-last-output",
            {},
            tokens(3, 6, 7, "pre"),
            "left padding: leading masked steps leave the zero state untouched",
        )
        rec(
            "masked-mixed-padding-last-output",
            {},
            tokens(4, 6, 7, "mixed"),
            "post, pre, all-padding and full rows",
        )
        rec(
            "masked-mixed-padding-return-sequences",
            {"return_sequences": True},
            tokens(4, 6, 7, "mixed"),
            "masked steps repeat the previous output",
        )
        rec(
            "masked-post-padding-return-sequences",
            {"return_sequences": True},
            tokens(3, 5, 7, "post"),
            "right padding with every step's output",
        )
        rec(
            "masked-mixed-padding-go-backwards-last-output",
            {"go_backwards": True},
            tokens(4, 6, 7, "mixed"),
            "mask is reversed with the sequence",
        )
        rec(
            "masked-mixed-padding-go-backwards-return-sequences",
            {"go_backwards": True, "return_sequences": True},
            tokens(5, 6, 7, "mixed"),
            "reversed processing with masks, outputs in processing order",
        )
        rec(
            "masked-holes-in-sequence-return-sequences",
            {"return_sequences": True},
            tokens(3, 7, 7, "holes"),
            "padding between real steps: state and output carried across the hole",
        )
        rec(
            "masked-holes-in-sequence-last-output",
            {},
            tokens(3, 7, 7, "holes"),
            "padding between real steps, last output only",
        )
        rec(
            "masked-holes-in-sequence-go-backwards-return-sequences",
            {"go_backwards": True, "return_sequences": True},
            tokens(3, 7, 7, "holes"),
            "holes walked from the end",
        )

        # Longer than the engine's block of steps whose input product it computes at once
        # (16), with a partial last block: block edges must not show in the outputs.
        rec(
            "long-sequence-masked-mixed-go-backwards-return-sequences",
            {"go_backwards": True, "return_sequences": True},
            tokens(4, 37, 9, "mixed"),
            "37 steps backwards with masks, outputs in processing order",
        )
        rec(
            "long-sequence-masked-holes-last-output",
            {},
            tokens(3, 37, 9, "holes"),
            "37 steps with holes, last output only",
        )

    add(
        "simple-rnn-relu-activation",
        "recurrent",
        [("SimpleRNN", {"units": 3, "activation": "relu", "return_sequences": True})],
        floats(3, 5, 4),
        "SimpleRNN with relu instead of tanh",
    )
    add(
        "lstm-non-default-activations",
        "recurrent",
        [
            (
                "LSTM",
                {
                    "units": 3,
                    "activation": "softsign",
                    "recurrent_activation": "hard_sigmoid",
                    "return_sequences": True,
                },
            )
        ],
        floats(3, 5, 4),
        "LSTM with softsign candidate/output and hard_sigmoid gates",
    )
    add(
        "gru-non-default-activations",
        "recurrent",
        [
            (
                "GRU",
                {
                    "units": 3,
                    "activation": "relu",
                    "recurrent_activation": "tanh",
                    "return_sequences": True,
                },
            )
        ],
        floats(3, 5, 4),
        "GRU with relu candidate and tanh gates",
    )
    add(
        "lstm-linear-activation-masked-return-sequences",
        "recurrent",
        [
            embed(7),
            ("LSTM", {"units": 3, "activation": "linear", "return_sequences": True}),
        ],
        tokens(4, 6, 7, "mixed"),
        "LSTM whose candidate/output activation returns its input unchanged, with masks",
    )
    add(
        "lstm-softmax-gates",
        "recurrent",
        [("LSTM", {"units": 3, "recurrent_activation": "softmax", "return_sequences": True})],
        floats(3, 5, 4),
        "LSTM gates through softmax, which couples the units of each gate",
    )
    add(
        "simple-rnn-linear-activation",
        "recurrent",
        [("SimpleRNN", {"units": 3, "activation": "linear", "return_sequences": True})],
        floats(3, 5, 4),
        "SimpleRNN without a squashing activation",
    )
    add(
        "lstm-dropout-ignored-at-inference",
        "recurrent",
        [("LSTM", {"units": 3, "dropout": 0.5, "recurrent_dropout": 0.5})],
        floats(3, 5, 4),
        "input and recurrent dropout do nothing at inference",
    )
    add(
        "gru-reset-before-matmul-last-output",
        "recurrent",
        [("GRU", {"units": 3, "reset_after": False})],
        floats(3, 5, 4),
        "GRU reset_after False: reset gate applied before the recurrent matmul, one bias row",
    )
    add(
        "gru-reset-before-matmul-return-sequences",
        "recurrent",
        [("GRU", {"units": 3, "reset_after": False, "return_sequences": True})],
        floats(3, 5, 4),
        "GRU reset_after False, every step",
    )
    add(
        "gru-reset-before-matmul-without-bias",
        "recurrent",
        [("GRU", {"units": 3, "reset_after": False, "use_bias": False})],
        floats(3, 5, 4),
        "GRU reset_after False and use_bias False",
    )
    add(
        "gru-reset-before-matmul-masked-mixed-padding",
        "recurrent",
        [embed(), ("GRU", {"units": 3, "reset_after": False, "return_sequences": True})],
        tokens(4, 6, 7, "mixed"),
        "GRU reset_after False with masks",
    )
    add(
        "stacked-lstm-then-gru-masked-mixed-padding",
        "recurrent",
        [embed(), ("LSTM", {"units": 4, "return_sequences": True}), ("GRU", {"units": 3})],
        tokens(4, 6, 7, "mixed"),
        "the mask passes from the first recurrent layer to the second",
    )
    add(
        "stacked-simple-rnn-then-lstm-masked-post-padding",
        "recurrent",
        [embed(), ("SimpleRNN", {"units": 3, "return_sequences": True}), ("LSTM", {"units": 2})],
        tokens(3, 6, 7, "post"),
        "stacked recurrences over right-padded rows",
    )
    add(
        "stacked-gru-gru-both-return-sequences-masked-pre-padding",
        "recurrent",
        [
            embed(),
            ("GRU", {"units": 3, "return_sequences": True}),
            ("GRU", {"units": 2, "return_sequences": True}),
        ],
        tokens(3, 6, 7, "pre"),
        "stacked sequences with left padding; the output keeps the mask",
    )
    add(
        "lstm-then-dense-on-sequences-masked",
        "recurrent",
        [embed(), ("LSTM", {"units": 3, "return_sequences": True}), ("Dense", {"units": 2})],
        tokens(4, 5, 7, "mixed"),
        "Dense on masked LSTM sequences keeps the mask",
    )

    # ---------------------------------------------------------------- wrappers
    # merge_mode None is left out: the layer then returns a tuple of two tensors, which a
    # Sequential cannot pass on and a single-output fixture cannot hold.
    # Bidirectional over a go_backwards=True layer is left out: Keras 3.15.1 rejects it
    # ("Forward layer and backward layer should have different go_backwards value").
    for rnn, slug in [("SimpleRNN", "simple-rnn"), ("LSTM", "lstm"), ("GRU", "gru")]:

        def bidi(id, kwargs, input, description, rnn=rnn, slug=slug, merge_mode="concat"):
            layer = (
                "Bidirectional",
                {"layer": (rnn, {"units": 3, **kwargs}), "merge_mode": merge_mode},
            )
            layers = [layer] if input.kind == "float" else [embed(input.vocab), layer]
            add(
                f"bidirectional-{slug}-{id}",
                "wrappers",
                layers,
                input,
                f"Bidirectional({rnn}), merge {merge_mode}: {description}",
            )

        bidi("concat-last-output", {}, floats(3, 5, 4), "forward then backward final states")
        bidi(
            "concat-return-sequences",
            {"return_sequences": True},
            floats(3, 5, 4),
            "the backward outputs are re-reversed to line up with time",
        )
        bidi("sum-last-output", {}, floats(3, 5, 4), "sum of final states", merge_mode="sum")
        bidi(
            "ave-return-sequences",
            {"return_sequences": True},
            floats(3, 5, 4),
            "mean of both directions per step",
            merge_mode="ave",
        )
        bidi(
            "mul-return-sequences",
            {"return_sequences": True},
            floats(3, 5, 4),
            "product of both directions per step",
            merge_mode="mul",
        )
        bidi(
            "masked-mixed-padding-concat-last-output",
            {},
            tokens(4, 6, 7, "mixed"),
            "masks, final states",
        )
        bidi(
            "masked-mixed-padding-concat-return-sequences",
            {"return_sequences": True},
            tokens(4, 6, 7, "mixed"),
            "masks, every step",
        )
    bidi_cases = [
        ("sum", "LSTM", "lstm", True),
        ("ave", "GRU", "gru", False),
        ("mul", "SimpleRNN", "simple-rnn", True),
        ("sum", "GRU", "gru", True),
        ("ave", "LSTM", "lstm", False),
        ("mul", "LSTM", "lstm", False),
    ]
    for mode, rnn, slug, sequences in bidi_cases:
        what = "return-sequences" if sequences else "last-output"
        add(
            f"bidirectional-{slug}-masked-mixed-padding-{mode}-{what}",
            "wrappers",
            [
                embed(),
                (
                    "Bidirectional",
                    {
                        "layer": (rnn, {"units": 3, "return_sequences": sequences}),
                        "merge_mode": mode,
                    },
                ),
            ],
            tokens(4, 6, 7, "mixed"),
            f"Bidirectional({rnn}), merge {mode}, with masks",
        )
    add(
        "bidirectional-gru-reset-before-matmul",
        "wrappers",
        [
            (
                "Bidirectional",
                {"layer": ("GRU", {"units": 3, "reset_after": False, "return_sequences": True})},
            )
        ],
        floats(3, 5, 4),
        "Bidirectional over a reset_after False GRU",
    )
    add(
        "bidirectional-lstm-sequence-of-length-1",
        "wrappers",
        [("Bidirectional", {"layer": ("LSTM", {"units": 2, "return_sequences": True})})],
        floats(3, 1, 4),
        "one timestep: both directions see the same input",
    )
    for rnn, slug in (("LSTM", "lstm"), ("GRU", "gru")):
        add(
            f"bidirectional-{slug}-masked-holes-in-sequence-return-sequences",
            "wrappers",
            [
                embed(),
                ("Bidirectional", {"layer": (rnn, {"units": 3, "return_sequences": True})}),
            ],
            tokens(3, 7, 7, "holes"),
            "padding between real steps: both directions output zeros there",
        )
    add(
        "stacked-bidirectional-lstm-then-bidirectional-gru-masked",
        "wrappers",
        [
            embed(),
            ("Bidirectional", {"layer": ("LSTM", {"units": 3, "return_sequences": True})}),
            ("Bidirectional", {"layer": ("GRU", {"units": 2}), "merge_mode": "sum"}),
        ],
        tokens(4, 6, 7, "mixed"),
        "the mask passes through a Bidirectional to the next one",
    )
    add(
        "bidirectional-lstm-then-dense",
        "wrappers",
        [("Bidirectional", {"layer": ("LSTM", {"units": 3})}), ("Dense", {"units": 2})],
        floats(3, 5, 4),
        "a small sequence classifier",
    )

    # ---------------------------------------------------------------- text
    # Every model takes one string per row (input shape (1,), dtype "string"). The vocabulary is
    # passed in the config, so index 0 is padding, 1 is "[UNK]" and the list starts at 2.
    vocab = ["the", "cat", "sat", "on", "mat", "a", "dog", "hello", "world", "don't", "x-ray"]
    sentences = strings(
        "The cat sat on the mat.",
        "A dog!  A CAT?",
        "",
        "hello\tworld\n\nagain",
        "don't x-ray   the\r\nmat",
    )

    def text(id, kwargs, input, description, **extra):
        add(
            f"textvec-{id}",
            "text",
            [("TextVectorization", {"vocabulary": vocab, "output_mode": "int", **kwargs})],
            input,
            description,
            **extra,
        )

    text(
        "default-lower-and-strip-punctuation",
        {"output_sequence_length": 7},
        sentences,
        "default standardization: lowercase, strip ASCII punctuation, split on whitespace",
    )
    text(
        "lower-keeps-punctuation",
        {"standardize": "lower", "output_sequence_length": 7},
        sentences,
        "lower only: 'mat.' and \"don't\" keep their punctuation",
    )
    text(
        "strip-punctuation-keeps-case",
        {"standardize": "strip_punctuation", "output_sequence_length": 7},
        sentences,
        "strip_punctuation only: 'The' and 'CAT' are out of vocabulary",
    )
    text(
        "no-standardization",
        {"standardize": None, "output_sequence_length": 7},
        sentences,
        "standardize None: tokens are used exactly as split",
    )
    add(
        "textvec-character-split",
        "text",
        [
            (
                "TextVectorization",
                {
                    "vocabulary": ["a", "c", "t", "s", " ", "x", "r", "y", "-"],
                    "split": "character",
                    "output_sequence_length": 9,
                },
            )
        ],
        strings("Cat sat", "a  b", "", "x-ray!"),
        "split into characters after lowercasing and stripping punctuation; a space is a token",
    )
    add(
        "textvec-character-split-code-points",
        "text",
        [
            (
                "TextVectorization",
                {
                    "vocabulary": ["e", "\u0301", "\u00e9", "\u00df", " ", "a"],
                    "split": "character",
                    "standardize": None,
                    "output_sequence_length": 6,
                },
            )
        ],
        strings("e\u0301\u00e9", "\u00df a", "\u00c9", ""),
        "character split yields code points: a combining accent is a token of its own",
    )
    text(
        "no-split-whole-string-is-one-token",
        {"split": None, "output_sequence_length": 3},
        strings("The cat", "x-ray", "hello world", "", "the"),
        "split None: the whole standardized string is looked up as one token",
    )
    add(
        "textvec-no-split-no-standardization",
        "text",
        [
            (
                "TextVectorization",
                {
                    "vocabulary": ["a b", "A b", "ab", "a\u00a0b"],
                    "split": None,
                    "standardize": None,
                    "output_sequence_length": 2,
                },
            )
        ],
        strings("a b", "A b", "ab", "a\u00a0b", "a  b", ""),
        "split and standardize None: exact whole-string matches only",
    )
    text(
        "no-split-without-sequence-length",
        {"split": None},
        strings("the", "dog", "unknown words", ""),
        "split None and no output_sequence_length: one column per row",
    )
    text(
        "sequence-length-truncates",
        {"output_sequence_length": 3},
        strings("the cat sat on the mat", "a dog", "hello world hello world"),
        "output_sequence_length shorter than the text keeps the first tokens",
    )
    text(
        "sequence-length-pads-at-end",
        {"output_sequence_length": 8},
        strings("the cat", "dog", "", "on a mat"),
        "output_sequence_length pads with 0 after",
    )
    text(
        "without-sequence-length-pads-to-longest-row",
        {},
        strings("the cat sat", "a", "", "hello world on the mat"),
        "no output_sequence_length: rows are padded to the longest row in the batch",
    )
    text(
        "max-tokens-larger-than-vocabulary",
        {"max_tokens": 20, "output_sequence_length": 5},
        strings("the cat sat", "zebra mat"),
        "max_tokens above the vocabulary size changes nothing for int output",
    )
    text(
        "max-tokens-equal-to-vocabulary-plus-two",
        {"max_tokens": len(vocab) + 2, "output_sequence_length": 5},
        strings("the x-ray dog", "unknown"),
        "max_tokens exactly fits padding, OOV and the vocabulary",
    )
    text(
        "repeated-whitespace-tabs-newlines",
        {"output_sequence_length": 6},
        strings("  the \t\t cat  ", "\n\nsat\non\n", "mat\r\n\tdog", "   ", "\x0bhello\x0cworld"),
        "runs of spaces, tabs, newlines, vertical tab and form feed all separate tokens",
    )
    text(
        "out-of-vocabulary-tokens-map-to-1",
        {"output_sequence_length": 5},
        strings("zebra the quokka", "cats dogs", "the the the"),
        "unknown tokens become 1, the OOV index",
    )
    text(
        "punctuation-only-and-inside-words",
        {"output_sequence_length": 6},
        strings("!!! ... ???", "x-ray, don't!", "c.a.t", "(mat) [on] {a}"),
        "ASCII punctuation is removed, even inside words",
    )
    text(
        "punctuation-between-words-leaves-no-token",
        {"output_sequence_length": 8},
        strings("the cat - sat , on the mat !", "hello ... world", "a dog ; a cat", "! ?"),
        "punctuation standing alone is stripped before the split, so it leaves no empty token",
    )
    indonesian = [
        "saya",
        "makan",
        "nasi",
        "goreng",
        "di",
        "rumah",
        "dan",
        "minum",
        "kopi",
        "tidak",
        "mau",
        "pergi",
        "ke",
        "sekolah",
        "hari",
        "ini",
        "café",
        "über",
    ]
    add(
        "textvec-indonesian-sentences",
        "text",
        [("TextVectorization", {"vocabulary": indonesian, "output_sequence_length": 7})],
        strings(
            "Saya makan nasi goreng di rumah.",
            "Dia tidak mau pergi ke sekolah hari ini!",
            "Kopi, dan... minum?",
            "SAYA MAU KOPI",
            "Café über",
        ),
        "Indonesian sentences with capitals and punctuation; accented vocabulary words",
    )
    add(
        "textvec-non-ascii-uppercase-is-not-lowercased",
        "text",
        [
            (
                "TextVectorization",
                {
                    "vocabulary": [
                        "\u00e9t\u00e9",
                        "\u00c9T\u00c9",
                        "stra\u00dfe",
                        "strasse",
                        "\u00e4rger",
                        "\u00c4rger",
                        "cafe",
                    ],
                    "output_sequence_length": 4,
                },
            )
        ],
        strings(
            "\u00c9T\u00c9 \u00e9t\u00e9",
            "Stra\u00dfe STRASSE",
            "\u00c4rger \u00e4rger",
            "CAF\u00c9 Caf\u00e9",
        ),
        "lowercasing is ASCII-only: 'É' and 'Ä' stay uppercase, 'ß' is untouched",
    )
    add(
        "textvec-non-ascii-punctuation-is-kept",
        "text",
        [
            (
                "TextVectorization",
                {
                    "vocabulary": [
                        "\u00bfqu\u00e9",
                        "qu\u00e9",
                        "\u00abhola\u00bb",
                        "hola",
                        "a\u2014b",
                        "ab",
                        "caf\u00e9\u2026",
                    ],
                    "output_sequence_length": 4,
                },
            )
        ],
        strings("\u00bfQu\u00e9? \u00abHola\u00bb", "a\u2014b caf\u00e9\u2026", "hola ab"),
        "only ASCII punctuation is stripped: '¿', '«', '—' and '…' survive",
    )
    add(
        "textvec-unicode-spaces-do-not-split",
        "text",
        [
            (
                "TextVectorization",
                {"vocabulary": ["a", "b", "a\u00a0b", "a\u2003b"], "output_sequence_length": 3},
            )
        ],
        strings("a\u00a0b", "a\u2003b", "a b", "a\u3000b"),
        "whitespace split uses ASCII whitespace: no-break and em spaces join tokens",
    )
    add(
        "textvec-then-embedding-then-lstm-raw-strings",
        "text",
        [
            ("TextVectorization", {"vocabulary": vocab, "output_sequence_length": 6}),
            ("Embedding", {"input_dim": len(vocab) + 2, "output_dim": 4, "mask_zero": True}),
            ("LSTM", {"units": 3}),
        ],
        strings(
            "The cat sat on the mat.", "", "a dog", "Hello, WORLD! hello world again now", "zebra"
        ),
        "raw strings to token ids, masked embedding and an LSTM",
        tolerance="recurrent",
    )
    add(
        "textvec-then-embedding-then-bidirectional-gru-sequences",
        "text",
        [
            ("TextVectorization", {"vocabulary": vocab, "output_sequence_length": 5}),
            ("Embedding", {"input_dim": len(vocab) + 2, "output_dim": 3, "mask_zero": True}),
            ("Bidirectional", {"layer": ("GRU", {"units": 2, "return_sequences": True})}),
        ],
        strings("the cat", "", "a dog sat on the mat", "x-ray"),
        "raw strings through a masked bidirectional GRU; the output keeps the mask",
        tolerance="wrappers",
    )
    return cases


CASES: tuple[Case, ...] = tuple(_cases())

# The cases whose output mask the suite checks: those with an Embedding that starts a mask.
MASKED: tuple[Case, ...] = tuple(
    case
    for case in CASES
    if any(name == "Embedding" and kwargs.get("mask_zero") for name, kwargs in case.layers)
)

_BY_ID = {case.id: case for case in CASES}
assert len(_BY_ID) == len(CASES), "case ids must be unique"
assert len({case.seed for case in CASES}) == len(CASES), "case seeds must be distinct"


def case_by_id(case_id: str) -> Case:
    """The case named `case_id`; KeyError names the unknown id."""
    try:
        return _BY_ID[case_id]
    except KeyError:
        raise KeyError(f"no golden case {case_id!r}") from None

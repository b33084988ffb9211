"""Deliberately wrong engines: the reference engine with one classic port bug each.

Every mutant is an engine factory, usable as `pytest --engine conformance.mutants:<name>`: it
loads a model with the reference engine, then patches the loaded layer objects of the classes
the bug concerns. Patches only set attributes on those instances (a wrapped `call`, a permuted
kernel), never on a class or a module, so a mutant cannot leak into another test.

The suite must catch every mutant: at least one golden case has to fail under it. A mutant that
survives shows a missing golden case; the fix is a new case in `conformance/cases.py`, never a
milder mutant.

    python -m conformance.mutants [--report results/mutants.md] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import copy
import functools
import re
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import reference
from conformance.cases import CASES, MASKED, Case
from conformance.manifest import GOLDEN
from conformance.tolerances import TOLERANCES, compare
from reference import activations
from reference.files import write_atomic
from reference.layers._windows import same_padding

RECURRENT = ("SimpleRNN", "LSTM", "GRU")
POOLING = ("MaxPooling2D", "AveragePooling2D")
WITH_ACTIVATION = ("Dense", "Activation", "Conv2D", *RECURRENT)


@dataclass(frozen=True)
class Mutant:
    """One bug: which layer classes it touches and how it patches one of their instances."""

    name: str
    bug: str
    classes: tuple[str, ...]
    patch: Callable

    def __call__(self, path):
        """The engine factory: the reference engine's model with this bug in its layers."""
        model = reference.load_model(path)
        self.apply(model)
        return model

    def apply(self, model) -> bool:
        """Patches a loaded model's layers in place; False when the bug changes none of them.

        Patches only ever set attributes, so comparing each layer's attributes by identity
        before and after tells whether the model is still exactly the reference engine's.
        """
        layers = list(_with_inner_layers(model.layers))
        before = [dict(vars(layer)) for layer in layers]
        for layer in layers:
            if layer.class_name in self.classes:
                self.patch(layer)
        return any(
            vars(layer).keys() != old.keys()
            or any(vars(layer)[key] is not value for key, value in old.items())
            for layer, old in zip(layers, before)
        )

    load_model = __call__


def _with_inner_layers(layers):
    """Every layer, and after a Bidirectional the two recurrent layers it wraps."""
    for layer in layers:
        yield layer
        if layer.class_name == "Bidirectional":
            yield layer.forward
            yield layer.backward


MUTANTS: dict[str, Mutant] = {}


def mutant(*classes: str, bug: str):
    """Registers the decorated patch as a mutant; its name becomes the engine factory."""

    def register(patch):
        MUTANTS[patch.__name__] = Mutant(patch.__name__, bug, classes, patch)
        return MUTANTS[patch.__name__]

    return register


def _wrap(layer, method: str, make: Callable) -> None:
    """Replaces `layer.<method>` on this instance with `make(original bound method)`."""
    setattr(layer, method, make(getattr(layer, method)))


# ------------------------------------------------------------------- convolution, pooling


def _pad_then_valid(layer, pads_of: Callable, value: float) -> None:
    """Makes a "same" layer pad its input with `pads_of(axis size, axis)` and run as "valid".

    The output is cropped to TensorFlow's "same" size, so the bug shows in values, not shape.
    """
    if layer.padding != "same":
        return
    strides = layer.strides
    layer.padding = "valid"
    original = layer.call

    def padded(x, fill):
        pads = [pads_of(x.shape[axis], axis) for axis in (1, 2)]
        return np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)), constant_values=fill)

    def call(x, mask):
        out_h, out_w = -(-x.shape[1] // strides[0]), -(-x.shape[2] // strides[1])
        y, mask = original(padded(x, value), mask)
        if layer.class_name == "AveragePooling2D":
            # Still excluding the padding from the divisor, as TensorFlow does; only the
            # placement of the padding is wrong.
            y = y / original(padded(np.ones_like(x), 0.0), mask)[0]
        return y[:, :out_h, :out_w], mask

    layer.call = call


def _window(layer):
    if layer.class_name == "Conv2D":
        return layer.kernel_size, layer.dilation
    return layer.pool_size, (1, 1)


@mutant(
    "Conv2D",
    *POOLING,
    bug='"same" padding split symmetrically (ceil(total/2) each side, as padding=k//2 does) '
    "instead of TensorFlow's rule that puts the odd cell after",
)
def symmetric_same_padding(layer):
    window, dilation = _window(layer)

    def pads(size, axis):
        axis -= 1
        before, after = same_padding(size, window[axis], layer.strides[axis], dilation[axis])
        half = -(-(before + after) // 2)
        return half, half

    _pad_then_valid(layer, pads, -np.inf if layer.class_name == "MaxPooling2D" else 0.0)


@mutant("Conv2D", bug='"same" padding computed from the kernel size, ignoring dilation')
def same_padding_ignores_dilation(layer):
    def pads(size, axis):
        axis -= 1
        return same_padding(size, layer.kernel_size[axis], layer.strides[axis], 1)

    _pad_then_valid(layer, pads, 0.0)


@mutant(
    "Conv2D",
    *POOLING,
    bug='"same" padding of (window - 1) in total whatever the stride, odd cell after',
)
def same_padding_ignores_stride(layer):
    window, dilation = _window(layer)

    def pads(size, axis):
        axis -= 1
        total = (window[axis] - 1) * dilation[axis]
        return total // 2, total - total // 2

    _pad_then_valid(layer, pads, -np.inf if layer.class_name == "MaxPooling2D" else 0.0)


@mutant("Conv2D", bug="dilation_rate ignored: the kernel is applied to adjacent pixels")
def conv_dilation_ignored(layer):
    layer.dilation = (1, 1)


@mutant("Conv2D", bug="true convolution: the kernel is flipped in both spatial axes")
def conv_kernel_flipped(layer):
    kh, kw = layer.kernel_size
    kernel = layer.kernel.reshape(kh, kw, -1, layer.filters)
    layer.kernel = kernel[::-1, ::-1].reshape(layer.kernel.shape).copy()


@mutant(
    "AveragePooling2D",
    bug='average pooling with "same" padding divides by the full window, counting the padding',
)
def avgpool_counts_padding(layer):
    if layer.padding != "same":
        return
    area = np.float32(layer.pool_size[0] * layer.pool_size[1])
    layer.call = lambda x, mask: (layer._reduce(x, 0.0, np.add) / area, None)


@mutant("MaxPooling2D", bug="max pooling pads with 0 instead of -inf, so padding can win")
def maxpool_pads_with_zero(layer):
    layer.call = lambda x, mask: (layer._reduce(x, 0.0, np.maximum), None)


@mutant(
    "MaxPooling2D",
    bug='"valid" max pooling keeps the partial last window (ceil mode) instead of dropping it',
)
def maxpool_valid_ceil_mode(layer):
    if layer.padding != "valid":
        return
    original = layer.call

    def call(x, mask):
        pads = []
        for axis, size in enumerate(x.shape[1:3]):
            window, stride = layer.pool_size[axis], layer.strides[axis]
            out = -(-max(size - window, 0) // stride) + 1
            pads.append((0, max((out - 1) * stride + window - size, 0)))
        return original(np.pad(x, ((0, 0), *pads, (0, 0)), constant_values=-np.inf), mask)

    layer.call = call


# Keras 3 saves strides=None as the pool size, so "strides=None taken as 1" never reaches a
# file; the reachable bug is a port that reads only pool_size.
@mutant(*POOLING, bug="pooling ignores strides and steps by the pool size")
def pool_strides_ignored(layer):
    layer.strides = layer.pool_size


@mutant("GlobalAveragePooling2D", "GlobalMaxPooling2D", bug="global pooling ignores keepdims=True")
def global_pool_keepdims_ignored(layer):
    layer.keepdims = False


# ------------------------------------------------------------------------------------ core


@mutant("Flatten", bug="Flatten in channels-first order (channels before height and width)")
def flatten_channels_first(layer):
    def call(x, mask):
        if x.ndim > 2:
            x = np.moveaxis(x, -1, 1)
        return x.reshape(x.shape[0], -1), None

    layer.call = call


@mutant("Dense", bug="Dense ignores its bias")
def dense_bias_ignored(layer):
    layer.bias = None


@mutant("Dense", bug="Dense drops the mask it receives instead of passing it on")
def dense_drops_mask(layer):
    _wrap(layer, "call", lambda call: lambda x, mask: (call(x, mask)[0], None))


@mutant("Dropout", bug="Dropout scales by (1 - rate) at inference")
def dropout_scales_at_inference(layer):
    keep = np.float32(1 - layer.options.config.get("rate", 0.0))
    layer.call = lambda x, mask: (x * keep, mask)


# ------------------------------------------------------------------------------ activations


def _swap_activation(layer, original: Callable, replacement: Callable) -> None:
    for attribute in ("activation", "recurrent_activation"):
        if getattr(layer, attribute, None) is original:
            setattr(layer, attribute, replacement)


def _naive_softmax(x, axis=-1):
    e = np.exp(x)
    return e / np.sum(e, axis=axis, keepdims=True)


@mutant(
    *WITH_ACTIVATION,
    bug="softmax as exp(x) / sum(exp(x)) without subtracting the maximum: large logits "
    "overflow to inf / inf = nan",
)
def softmax_without_max_subtraction(layer):
    _swap_activation(layer, activations.softmax, _naive_softmax)


@mutant(*WITH_ACTIVATION, bug="softmax over axis 1 instead of the last axis")
def softmax_over_axis_1(layer):
    _swap_activation(layer, activations.softmax, lambda x: activations.softmax(x, axis=1))


@mutant(*WITH_ACTIVATION, bug="log_softmax as log(softmax(x)): -inf where softmax underflows")
def log_softmax_as_log_of_softmax(layer):
    _swap_activation(layer, activations.log_softmax, lambda x: np.log(activations.softmax(x)))


@mutant(*WITH_ACTIVATION, bug="softplus as log(1 + exp(x)): inf for large x")
def softplus_overflows(layer):
    _swap_activation(layer, activations.softplus, lambda x: np.log1p(np.exp(x)))


@mutant(*WITH_ACTIVATION, bug="tanh as (exp(2x) - 1) / (exp(2x) + 1): inf / inf = nan for large x")
def tanh_overflows(layer):
    def tanh(x):
        e = np.exp(2 * x)
        return (e - 1) / (e + 1)

    _swap_activation(layer, activations.tanh, tanh)


@mutant(
    *WITH_ACTIVATION, bug="log_sigmoid as log(sigmoid(x)): precision lost where sigmoid underflows"
)
def log_sigmoid_as_log_of_sigmoid(layer):
    _swap_activation(layer, activations.log_sigmoid, lambda x: np.log(activations.sigmoid(x)))


@mutant(*WITH_ACTIVATION, bug="selu with the constants rounded to 1.6733 and 1.0507")
def selu_rounded_constants(layer):
    def selu(x):
        return np.float32(1.0507) * np.where(x > 0, x, np.float32(1.6733) * np.expm1(x))

    _swap_activation(layer, activations.selu, lambda x: selu(x).astype(x.dtype))


def _keras2_hard_sigmoid(x):
    return np.clip(np.float32(0.2) * x + np.float32(0.5), 0, 1).astype(x.dtype)


@mutant(*WITH_ACTIVATION, bug="hard_sigmoid as Keras 2's clip(0.2x + 0.5) instead of relu6(x+3)/6")
def hard_sigmoid_keras2(layer):
    _swap_activation(layer, activations.hard_sigmoid, _keras2_hard_sigmoid)


@mutant(*WITH_ACTIVATION, bug="gelu by its tanh approximation instead of the exact erf form")
def gelu_tanh_approximation(layer):
    _swap_activation(layer, activations.gelu, lambda x: activations.gelu(x, approximate=True))


@mutant(*WITH_ACTIVATION, bug="leaky_relu with Keras 2's slope 0.3 instead of Keras 3's 0.2")
def leaky_relu_keras2_slope(layer):
    _swap_activation(layer, activations.leaky_relu, lambda x: activations.leaky_relu(x, 0.3))


@mutant(*WITH_ACTIVATION, bug="glu as b * sigmoid(a) instead of a * sigmoid(b): halves swapped")
def glu_halves_swapped(layer):
    def glu(x):
        a, b = np.split(x, 2, axis=-1)
        return b * activations.sigmoid(a)

    _swap_activation(layer, activations.glu, glu)


# -------------------------------------------------------------------------------- embedding


@mutant("Embedding", bug="Embedding(mask_zero=True) does not emit its mask")
def embedding_mask_dropped(layer):
    _wrap(layer, "call", lambda call: lambda x, mask: (call(x, mask)[0], None))


# -------------------------------------------------------------------------------- recurrent


def _permute_gates(layer, order: tuple[int, ...]) -> None:
    """Reads the stored gate blocks in another order (columns of kernels and biases)."""
    for attribute in ("kernel", "recurrent_kernel", "bias"):
        weights = getattr(layer, attribute)
        if weights is not None:
            blocks = np.split(weights, layer.gates, axis=-1)
            setattr(layer, attribute, np.concatenate([blocks[i] for i in order], axis=-1))


@mutant("LSTM", bug="LSTM gates read in the order i, c, f, o instead of Keras's i, f, c, o")
def lstm_gate_order_icfo(layer):
    _permute_gates(layer, (0, 2, 1, 3))


@mutant("GRU", bug="GRU gates read in the order r, z, h instead of Keras's z, r, h")
def gru_gate_order_rzh(layer):
    _permute_gates(layer, (1, 0, 2))


def _gru_step(layer, reset_before: bool, bias_outside_reset=False, update_reversed=False):
    """A GRU step with the given mistakes; the engine's step when all are off."""
    units = layer.units
    kernel = layer.recurrent_kernel
    if layer.reset_after and layer.bias is not None:
        recurrent_bias = layer.bias[1]
    else:
        recurrent_bias = np.zeros(3 * units, np.float32)

    def step(projected, state):
        (h,) = state
        x_z, x_r, x_h = np.split(projected, 3, axis=-1)
        inner = h @ kernel[:, : 2 * units] + recurrent_bias[: 2 * units]
        z = layer.recurrent_activation(x_z + inner[:, :units])
        r = layer.recurrent_activation(x_r + inner[:, units:])
        bias_h = recurrent_bias[2 * units :]
        if reset_before:
            recurrent = (r * h) @ kernel[:, 2 * units :] + bias_h
        elif bias_outside_reset:
            recurrent = r * (h @ kernel[:, 2 * units :]) + bias_h
        else:
            recurrent = r * (h @ kernel[:, 2 * units :] + bias_h)
        candidate = layer.activation(x_h + recurrent)
        if update_reversed:
            h = (1 - z) * h + z * candidate
        else:
            h = z * h + (1 - z) * candidate
        return h, (h,)

    return step


@mutant(
    "GRU",
    bug="GRU with reset_after=True applies the reset gate to the state before the recurrent "
    "product, as reset_after=False does",
)
def gru_reset_before_product(layer):
    if layer.reset_after:
        layer.step = _gru_step(layer, reset_before=True)


@mutant(
    "GRU",
    bug="GRU with reset_after=False applies the reset gate after the recurrent product",
)
def gru_reset_after_product_when_false(layer):
    if not layer.reset_after:
        layer.step = _gru_step(layer, reset_before=False)


@mutant(
    "GRU",
    bug="GRU with reset_after=True adds the recurrent candidate bias outside the reset gate",
)
def gru_recurrent_bias_outside_reset(layer):
    if layer.reset_after:
        layer.step = _gru_step(layer, reset_before=False, bias_outside_reset=True)


@mutant("GRU", bug="GRU update as (1 - z) * h + z * candidate: z and 1 - z swapped")
def gru_update_reversed(layer):
    layer.step = _gru_step(layer, reset_before=not layer.reset_after, update_reversed=True)


@mutant(
    *RECURRENT,
    bug="recurrent activations hard-coded to tanh and sigmoid, whatever the config says",
)
def recurrent_activations_hardcoded(layer):
    layer.activation = activations.tanh
    if hasattr(layer, "recurrent_activation"):
        layer.recurrent_activation = activations.sigmoid


@mutant(
    "LSTM",
    "GRU",
    bug="recurrent_activation defaults to Keras 2's hard_sigmoid instead of sigmoid",
)
def recurrent_activation_keras2_default(layer):
    if layer.recurrent_activation is activations.sigmoid:
        layer.recurrent_activation = _keras2_hard_sigmoid


@mutant(*RECURRENT, "Bidirectional", bug="masks ignored: recurrent layers run over padding")
def masks_ignored(layer):
    _wrap(layer, "call", lambda call: lambda x, mask: call(x, None))


@mutant(
    *RECURRENT,
    bug="go_backwards with return_sequences: outputs flipped back to time order",
)
def go_backwards_output_in_time_order(layer):
    if layer.go_backwards and layer.return_sequences:
        _wrap(layer, "call", lambda call: lambda x, mask: _reversed_in_time(call(x, mask)))


def _reversed_in_time(result):
    y, mask = result
    return y[:, ::-1], mask


@mutant(*RECURRENT, bug="go_backwards reverses the inputs but not the mask")
def go_backwards_mask_not_reversed(layer):
    if not layer.go_backwards:
        return
    original = layer.call

    def call(x, mask):
        if mask is None:
            return original(x, mask)
        # The engine reads mask[:, t] at time t; handing it the reversed mask pairs each step
        # with the mask of the step at the other end, as a port that forgets to reverse it does.
        y, _ = original(x, mask[:, ::-1])
        return y, (mask if layer.return_sequences else None)

    layer.call = call


@mutant(
    *RECURRENT,
    bug="a masked step outputs zeros instead of repeating the previous output",
)
def masked_step_outputs_zeros(layer):
    layer.zero_output_for_mask = True


@mutant(
    *RECURRENT,
    bug="mask read as sequence lengths: the first n steps are run, n = number of real tokens, so "
    "padding between real tokens shifts which steps count",
)
def mask_as_lengths(layer):
    _wrap(layer, "call", lambda call: lambda x, mask: call(x, _as_lengths(mask)))


def _as_lengths(mask):
    if mask is None:
        return None
    lengths = mask.sum(axis=1)
    return np.arange(mask.shape[1])[None, :] < lengths[:, None]


# --------------------------------------------------------------------------------- wrappers


@mutant(
    "Bidirectional",
    bug="Bidirectional merges the backward sequence in walking order, not reversed to time order",
)
def bidirectional_backward_not_reversed(layer):
    if layer.return_sequences:
        # Bidirectional reverses what its backward layer returns; reversing it first undoes that.
        _wrap(layer.backward, "call", lambda call: lambda x, m: _reversed_in_time(call(x, m)))


@mutant(
    "Bidirectional",
    bug="Bidirectional with return_sequences lets both directions repeat their previous output "
    "at masked steps instead of outputting zeros",
)
def bidirectional_masked_steps_repeat_output(layer):
    layer.forward.zero_output_for_mask = layer.backward.zero_output_for_mask = False


@mutant(
    "Bidirectional",
    bug="Bidirectional without return_sequences takes the backward direction's output at the "
    "last time step (its first step) instead of its final output",
)
def bidirectional_backward_output_from_last_time_step(layer):
    if layer.return_sequences:
        return
    backward = layer.backward
    backward.return_sequences = True
    _wrap(backward, "call", lambda call: lambda x, mask: (call(x, mask)[0][:, 0], None))


@mutant("Bidirectional", bug="Bidirectional concat puts the backward direction first")
def bidirectional_concat_backward_first(layer):
    if layer.merge_mode != "concat":
        return
    units = layer.forward.units

    def swap(result):
        y, mask = result
        return np.concatenate([y[..., units:], y[..., :units]], axis=-1), mask

    _wrap(layer, "call", lambda call: lambda x, mask: swap(call(x, mask)))


@mutant("Bidirectional", bug="Bidirectional's backward layer walks the sequence forward")
def bidirectional_backward_walks_forward(layer):
    layer.backward.go_backwards = False


# ------------------------------------------------------------------------------------- text


def _lowers(layer):
    return layer.standardize in ("lower", "lower_and_strip_punctuation")


def _strips(layer):
    return layer.standardize in ("strip_punctuation", "lower_and_strip_punctuation")


@mutant("TextVectorization", bug="TextVectorization never strips punctuation")
def textvec_keeps_punctuation(layer):
    if _strips(layer):
        layer.standardize = "lower" if _lowers(layer) else None


@mutant("TextVectorization", bug="Python's Unicode str.lower() instead of ASCII-only lowercasing")
def textvec_unicode_lower(layer):
    if _lowers(layer):
        _wrap(layer, "standardized", lambda original: lambda text: original(text.lower()))


@mutant(
    "TextVectorization",
    bug="standardization applied to each token after splitting: a token of punctuation alone "
    "leaves an empty token (id 0) instead of nothing",
)
def textvec_strips_punctuation_per_token(layer):
    if not (_strips(layer) and layer.split == "whitespace"):
        return
    standardized, split = layer.standardized, layer.tokens
    layer.standardized = lambda text: text
    layer.tokens = lambda text: [standardized(token) for token in split(text)]


@mutant(
    "TextVectorization",
    bug="punctuation stripping removes every Unicode punctuation character, not ASCII only",
)
def textvec_strips_unicode_punctuation(layer):
    def strip(text):
        return "".join(c for c in text if not unicodedata.category(c).startswith("P"))

    if _strips(layer):
        _wrap(layer, "standardized", lambda original: lambda text: strip(original(text)))


@mutant(
    "TextVectorization",
    bug="Python's str.split() (any Unicode whitespace) instead of splitting on ASCII whitespace",
)
def textvec_str_split(layer):
    if layer.split == "whitespace":
        layer.tokens = str.split


@mutant(
    "TextVectorization",
    bug="whitespace split on space, tab, newline and carriage return only, not vertical tab and "
    "form feed",
)
def textvec_split_misses_vt_ff(layer):
    if layer.split == "whitespace":
        layer.tokens = lambda text: [t for t in re.split(r"[ \t\n\r]+", text) if t]


@mutant("TextVectorization", bug='split="character" yields UTF-8 bytes instead of code points')
def textvec_character_split_bytes(layer):
    if layer.split == "character":
        layer.tokens = lambda text: [chr(byte) for byte in text.encode("utf-8")]


@mutant(
    "TextVectorization",
    bug="the OOV token left out of the lookup table: every vocabulary id one too low",
)
def textvec_vocabulary_off_by_one(layer):
    layer.index = {token: max(i - 1, 0) if i > 1 else i for token, i in layer.index.items()}


@mutant(
    "TextVectorization",
    bug="sequences padded at the front (pad_sequences' default) instead of the end",
)
def textvec_pads_at_front(layer):
    def pad_front(result):
        ids, mask = result
        lengths = (ids != 0).sum(axis=1)
        return np.stack([np.roll(row, ids.shape[1] - n) for row, n in zip(ids, lengths)]), mask

    _wrap(layer, "call", lambda call: lambda x, mask: pad_front(call(x, mask)))


@mutant(
    "TextVectorization",
    bug="long sequences truncated at the front (pad_sequences' default), keeping the last tokens",
)
def textvec_truncates_at_front(layer):
    length = layer.output_sequence_length
    if length:
        _wrap(layer, "tokens", lambda original: lambda text: original(text)[-length:])


# ------------------------------------------------------------------------------- evaluation


@functools.cache
def _fixture(case_id: str) -> dict[str, np.ndarray]:
    with np.load(GOLDEN / "layers" / f"{case_id}.npz") as data:
        return {key: data[key] for key in data.files}


def _path(case: Case) -> str:
    return str(GOLDEN / "layers" / f"{case.id}.keras")


def run_case(load_model: Callable, case: Case) -> str | None:
    """Why `load_model`'s engine fails a golden case (output or mask), or None if it passes."""
    try:
        model = load_model(_path(case))
    except Exception as error:  # an engine that crashes on a case fails it
        return f"{type(error).__name__}: {error}"
    return run_model(model, case)


def run_model(model, case: Case) -> str | None:
    """Why a loaded model fails a golden case (output or mask), or None if it passes."""
    fixture = _fixture(case.id)
    try:
        actual, mask = model.predict_with_mask(fixture["input"].copy())
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    problem = compare(actual, fixture["output"], TOLERANCES[case.tolerance])
    # Masks count only where the suite checks them (test_output_mask_matches_keras).
    if problem is not None or case not in MASKED:
        return problem
    if "mask" not in fixture:
        return None if mask is None else "mask: the engine carries a mask, Keras none"
    if mask is None:
        return "mask: Keras carries a mask, the engine none"
    problem = compare(np.asarray(mask, bool), fixture["mask"].astype(bool), TOLERANCES["exact"])
    return problem and f"mask: {problem}"


@functools.cache
def _reference_model(case_id: str):
    return reference.load_model(_path(_CASES_BY_ID[case_id]))


_CASES_BY_ID = {case.id: case for case in CASES}


@functools.cache
def reference_passes(case_id: str) -> bool:
    """Whether the unmutated engine passes a case; one it fails cannot tell a mutant apart."""
    case = _CASES_BY_ID[case_id]
    return run_model(copy.deepcopy(_reference_model(case_id)), case) is None


def catches(name: str) -> dict[str, str]:
    """The cases that catch mutant `name`, each with the failure it shows.

    Every case's model is loaded (copied from a cached load) and patched; one that the patch
    leaves unchanged is the reference engine itself, which passes, so it is not run again.
    """
    mutant = MUTANTS[name]
    caught = {}
    for case in CASES:
        model = copy.deepcopy(_reference_model(case.id))
        if not mutant.apply(model):
            continue
        problem = run_model(model, case)
        if problem is not None and reference_passes(case.id):
            caught[case.id] = problem
    return caught


def render_markdown(results: dict[str, dict[str, str]]) -> str:
    """The mutant table and, per mutant, the cases that catch it with the failure each shows."""
    survivors = [name for name, caught in results.items() if not caught]
    lines = [
        "# Mutants",
        "",
        f"{len(results)} deliberately wrong engines (`conformance/mutants.py`), each the "
        "reference engine with one classic port bug; every golden case is run against each. "
        + (
            f"**{len(survivors)} survive: {', '.join(survivors)}.**"
            if survivors
            else "Every mutant is caught by at least one golden case."
        ),
        "",
        "Regenerate with `python -m conformance.mutants --report results/mutants.md`; run the "
        "suite against one with `pytest --engine conformance.mutants:<name>`.",
        "",
        "| Mutant | Bug | Caught by |",
        "|---|---|---:|",
    ]
    for name, caught in results.items():
        lines.append(f"| [`{name}`](#{name}) | {MUTANTS[name].bug} | {len(caught)} |")
    for name, caught in results.items():
        lines += ["", f"## {name}", "", MUTANTS[name].bug + ".", ""]
        if not caught:
            lines.append("**Survives: no golden case catches it.**")
            continue
        lines.append(f"Caught by {len(caught)}: " + ", ".join(f"`{c}`" for c in caught) + ".")
        case_id, problem = next(iter(caught.items()))
        problem = problem.splitlines()[0] if problem else ""
        if len(problem) > 200:
            problem = problem[:199] + "…"
        lines += ["", f"For example `{case_id}`: {problem}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Runs every mutant against the catalogue; exits 1 if any survives."""
    parser = argparse.ArgumentParser(
        prog="python -m conformance.mutants",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--report", type=Path, metavar="FILE.md", help="write the mutant table")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=sorted(MUTANTS))
    args = parser.parse_args(argv)

    start = time.perf_counter()
    results = {name: catches(name) for name in args.only or MUTANTS}
    for name, caught in results.items():
        shown = ", ".join(list(caught)[:4]) + (f", +{len(caught) - 4}" if len(caught) > 4 else "")
        print(f"{name:<40} {len(caught):>3} cases  {shown or 'SURVIVES'}")
    survivors = [name for name, caught in results.items() if not caught]
    print(
        f"{len(results) - len(survivors)} of {len(results)} mutants caught "
        f"({time.perf_counter() - start:.1f}s)"
    )
    if args.report:
        write_atomic(args.report, render_markdown(results))
        print(f"wrote {args.report}")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())

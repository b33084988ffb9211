"""Regenerate golden/layers/ from Keras, or check that Keras still reproduces it.

    python -m conformance.capture [--out DIR] [--only ID ...] [--check]

Each case becomes `<id>.keras` (the saved model) and `<id>.npz` holding `input` (float32, int32,
or a unicode array of shape (batch,) for strings), `output` (float32, or int64 when the model
ends in TextVectorization) and `mask` (bool, only when the output carries a Keras mask).
"""

from __future__ import annotations

import os

# Quiet TensorFlow's start-up chatter, and use plain Eigen kernels: oneDNN's results depend on
# which CPU features the capturing machine has.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ["KERAS_BACKEND"] = "tensorflow"  # string inputs need the TensorFlow backend

import argparse  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from conformance.cases import CASES, Case, InputSpec, case_by_id  # noqa: E402
from conformance.manifest import GOLDEN, write_manifest  # noqa: E402
from conformance.tolerances import TOLERANCES, Tolerance, compare  # noqa: E402

LAYERS_DIR = GOLDEN / "layers"
_EXACT = Tolerance(0.0, 0.0, "inputs and masks are generated, not computed")


def make_input(spec: InputSpec, seed: int) -> np.ndarray:
    """The input batch a spec describes, from a generator seeded by the case seed."""
    # A stream of its own, so changing a case's layers never changes its input.
    rng = np.random.default_rng([seed, 0])
    if spec.kind == "float":
        n = math.prod(spec.shape)
        if spec.dist == "normal":
            values = rng.standard_normal(n)
        elif spec.dist == "uniform":
            values = rng.uniform(spec.low, spec.high, n)
        else:
            grid = np.linspace(spec.low, spec.high, min(n, (n // 2) | 1))
            values = rng.permutation(np.concatenate([grid, rng.normal(0.0, 1.5, n - grid.size)]))
        return values.reshape(spec.shape).astype(np.float32)
    if spec.kind == "tokens":
        batch, steps = spec.shape
        ids = rng.integers(1, spec.vocab, size=(batch, steps))
        return (ids * _token_mask(spec.padding, batch, steps, rng)).astype(np.int32)
    return np.array(spec.strings, dtype=str)


def _token_mask(padding: str, batch: int, steps: int, rng: np.random.Generator) -> np.ndarray:
    """Which token positions are real (True) rather than padding, per the padding pattern."""
    if padding == "none":
        return np.ones((batch, steps), dtype=bool)
    if padding == "holes":
        # Real first and last steps around a hole of random width; the last row alternates.
        mask = np.ones((batch, steps), dtype=bool)
        for row in range(batch - 1):
            start = int(rng.integers(1, steps - 2))
            mask[row, start : start + int(rng.integers(1, steps - start))] = False
            mask[row, -1] = True
        mask[-1, 1::2] = False
        mask[-1, -1] = True
        return mask
    lengths = rng.integers(1, steps, size=batch)
    if padding in ("post", "pre"):
        sides = [padding] * batch
        lengths[-1] = steps
    else:
        sides = ["post", "pre", "post", "post"] + ["post", "pre"] * batch
        lengths[2], lengths[3] = 0, steps  # an all-padding row, then a full one
    mask = np.zeros((batch, steps), dtype=bool)
    for row, (side, length) in enumerate(zip(sides, lengths)):
        if side == "post":
            mask[row, :length] = True
        else:
            mask[row, steps - length :] = True
    return mask


def build_layer(class_name: str, kwargs: dict) -> keras.layers.Layer:
    """A Keras layer from its catalogue form; wrapped layers are built first."""
    kwargs = dict(kwargs)
    for key in ("layer", "backward_layer"):
        if key in kwargs:
            kwargs[key] = build_layer(*kwargs[key])
    return getattr(keras.layers, class_name)(**kwargs)


def build_model(case: Case) -> keras.Sequential:
    """The case's Sequential model, with an explicit Input so it is built and saved with shapes."""
    spec = case.input
    if spec.kind == "float":
        inputs = keras.Input(shape=spec.shape[1:], dtype="float32")
    elif spec.kind == "tokens":
        inputs = keras.Input(shape=spec.shape[1:], dtype="int32")
    else:
        inputs = keras.Input(shape=(1,), dtype="string")
    return keras.Sequential([inputs, *(build_layer(name, kw) for name, kw in case.layers)])


def randomize_weights(model: keras.Model, seed: int) -> None:
    """Overwrite every weight with seeded random values so no zero bias or identity can hide."""
    rng = np.random.default_rng([seed, 1])
    for var in model.weights:
        shape = tuple(var.shape)
        if var.name in ("kernel", "recurrent_kernel"):
            # Scaled by fan-in so activations stay in the range where nonlinearities bend.
            value = rng.standard_normal(shape) / math.sqrt(math.prod(shape[:-1]))
        elif var.name == "bias":
            value = rng.uniform(-0.5, 0.5, shape)
        elif var.name == "embeddings":
            value = rng.standard_normal(shape)
        else:
            raise ValueError(f"no randomization recipe for weight {var.path} {shape}")
        var.assign(value.astype(var.dtype))


def run_model(model: keras.Model, x: np.ndarray, spec: InputSpec):
    """The model's output and output mask (None when it carries none) as NumPy arrays.

    Called eagerly, not through predict, because only an eager call returns the output tensor
    with its `_keras_mask`.
    """
    feed = tf.constant(x[:, None]) if spec.kind == "strings" else x
    y = model(feed, training=False)
    mask = getattr(y, "_keras_mask", None)
    return np.asarray(y), (None if mask is None else np.asarray(mask).astype(bool))


def _atomic(target: Path, write) -> None:
    """Call `write(tmp)` on a hidden temporary beside `target`, then move it into place."""
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.tmp{target.suffix}")
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def capture_case(case: Case, out_dir: Path) -> dict[str, np.ndarray]:
    """Build, randomize, run and save one case; returns the arrays written to the npz."""
    keras.backend.clear_session()  # restarts auto-naming, so layer names never depend on order
    keras.utils.set_random_seed(case.seed)
    model = build_model(case)
    randomize_weights(model, case.seed)
    x = make_input(case.input, case.seed)
    output, mask = run_model(model, x, case.input)
    assert output.dtype in (np.float32, np.int64), f"unexpected output dtype {output.dtype}"
    arrays = {"input": x, "output": output}
    if mask is not None:
        assert mask.shape == output.shape[: mask.ndim], f"mask {mask.shape} vs {output.shape}"
        if case.input.kind == "tokens":
            # Every masked case in the catalogue masks at its Embedding: the mask is id != 0.
            assert np.array_equal(mask, x != 0), "output mask is not the input padding"
        arrays["mask"] = mask
    out_dir.mkdir(parents=True, exist_ok=True)
    _atomic(out_dir / f"{case.id}.keras", lambda tmp: model.save(tmp))
    _atomic(out_dir / f"{case.id}.npz", lambda tmp: np.savez(tmp, **arrays))
    return arrays


def load_fixture(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a committed npz fixture."""
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def differences(case: Case, fresh: dict, committed: dict) -> list[str]:
    """How a fresh capture differs from the committed fixture, one message per array."""
    problems = []
    for key, tol in [("input", _EXACT), ("output", TOLERANCES[case.tolerance]), ("mask", _EXACT)]:
        if (key in fresh) != (key in committed):
            where = "fresh capture" if key in fresh else "committed fixture"
            problems.append(f"{key}: only the {where} has one")
        elif key in fresh:
            message = compare(fresh[key], committed[key], tol)
            if message:
                problems.append(f"{key}: {message}")
    return problems


def _describe(arrays: dict) -> str:
    """A short summary of a capture's output and mask shapes for the progress line."""
    out = arrays["output"]
    text = f"output {out.shape} {out.dtype}"
    if "mask" in arrays:
        text += f", mask {arrays['mask'].shape}"
    return text


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m conformance.capture",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--out",
        type=Path,
        help=f"write fixtures here (default: {LAYERS_DIR}); with --check, keep the "
        "fresh capture here instead of in a temporary folder",
    )
    parser.add_argument("--only", nargs="+", metavar="ID", help="capture only these cases")
    parser.add_argument(
        "--check",
        action="store_true",
        help="recapture and compare with golden/layers, which stays untouched",
    )
    args = parser.parse_args(argv)
    cases = [case_by_id(case_id) for case_id in args.only] if args.only else list(CASES)

    if args.check:
        if args.out:
            if args.out.resolve() == LAYERS_DIR.resolve():
                parser.error("--check never writes into golden/layers; give --out another folder")
            return _check(cases, args.out)
        with tempfile.TemporaryDirectory() as tmp:
            return _check(cases, Path(tmp))

    out_dir = args.out or LAYERS_DIR
    failures = 0
    for case in cases:
        start = time.perf_counter()
        try:
            arrays = capture_case(case, out_dir)
        except Exception as error:  # report every failing case, not just the first
            failures += 1
            print(f"FAILED {case.id}: {type(error).__name__}: {error}".splitlines()[0])
            continue
        print(f"captured {case.id}: {_describe(arrays)} ({time.perf_counter() - start:.1f}s)")
    if out_dir.resolve() == LAYERS_DIR.resolve():
        if not args.only:
            _remove_stale(out_dir)
        print(f"wrote {write_manifest(GOLDEN)}")
    print(f"{len(cases) - failures} of {len(cases)} cases captured")
    return 1 if failures else 0


def _check(cases: list[Case], scratch: Path) -> int:
    """Recapture `cases` into `scratch` and compare with golden/layers; 1 if any differs."""
    bad = 0
    for case in cases:
        committed_path = LAYERS_DIR / f"{case.id}.npz"
        try:
            fresh = capture_case(case, scratch)
            if not committed_path.is_file():
                problems = [f"no committed fixture {committed_path}"]
            else:
                problems = differences(case, fresh, load_fixture(committed_path))
        except Exception as error:
            problems = [f"capture failed: {type(error).__name__}: {error}".splitlines()[0]]
        if problems:
            bad += 1
            print(f"DIFFERS {case.id}: " + "; ".join(problems))
    print(f"{len(cases) - bad} of {len(cases)} cases match the committed fixtures")
    return 1 if bad else 0


def _remove_stale(out_dir: Path) -> None:
    """Delete fixtures whose case is no longer in the catalogue."""
    known = {case.id for case in CASES}
    for path in sorted(out_dir.iterdir()):
        if path.suffix in (".keras", ".npz") and path.stem not in known:
            path.unlink()
            print(f"removed stale {path.name}")


if __name__ == "__main__":
    sys.exit(main())

"""Command line: python -m reference evaluate | diff | summary.

The evaluation needs the dataset loaders and scikit-learn (the "test" extra); the engine
itself does not.
"""

import argparse
import sys

import numpy as np

from .errors import EngineError
from .files import write_atomic


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m reference", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    evaluate = commands.add_parser(
        "evaluate", help="run a model on a real test set and compare it with Keras"
    )
    evaluate.add_argument("model", nargs="?", help="a .keras file")
    evaluate.add_argument("--dataset", choices=["cifar10", "nusax"])
    evaluate.add_argument("--golden", action="store_true", help="every model in golden/models")
    evaluate.add_argument(
        "--source", help="dataset location (else CIFAR10_SOURCE / NUSAX_DIR, else vendored)"
    )
    evaluate.add_argument("--keras-predictions", help=".npy of Keras probabilities to compare")
    evaluate.add_argument("--samples", type=int, help="only the first N test samples")
    evaluate.add_argument("--batch-size", type=int)
    evaluate.add_argument("--write", help="also write the table to this markdown file")

    diff = commands.add_parser(
        "diff", help="compare the engine with live Keras layer by layer; exit 1 on divergence"
    )
    diff.add_argument("model", help="a .keras file")
    source = diff.add_mutually_exclusive_group(required=True)
    source.add_argument("--dataset", choices=["cifar10", "nusax"], help="test-set inputs")
    source.add_argument("--input", help="a .npy file of inputs (strings for text models)")
    diff.add_argument("--samples", type=int, default=64, help="how many inputs (default 64)")
    diff.add_argument("--source", help="dataset location, as for evaluate")

    summary = commands.add_parser("summary", help="print the layers the engine reads from a model")
    summary.add_argument("model")

    args = parser.parse_args(argv)
    try:
        if args.command == "summary":
            from . import load_model

            print(load_model(args.model).summary())
            return 0
        if args.command == "diff":
            return _diff(args)
        return _evaluate(args, parser)
    except EngineError as exc:
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        # Bad command-line input: a missing or unreadable file, a dataset folder of the wrong
        # layout (the loaders' errors are ValueError or OSError subclasses), a bad .npy.
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _evaluate(args, parser):
    from conformance import evaluation

    if args.samples is not None and args.samples < 1:
        parser.error(f"--samples must be at least 1, found {args.samples}")
    if args.golden:
        if args.model or args.dataset or args.keras_predictions:
            parser.error(
                "--golden evaluates every golden model; give no MODEL, --dataset or "
                "--keras-predictions with it"
            )
        rows = evaluation.evaluate_golden(samples=args.samples, batch_size=args.batch_size)
    else:
        if not args.model or not args.dataset:
            parser.error("evaluate needs MODEL.keras and --dataset (or --golden)")
        recorded = _load_npy(args.keras_predictions) if args.keras_predictions else None
        if recorded is None and not evaluation.keras_available():
            print("Keras is not installed: reporting the engine's macro-F1 alone.")
        rows = [
            evaluation.evaluate(
                args.model, args.dataset, recorded, args.samples, args.batch_size, args.source
            )
        ]
    table = evaluation.format_table(rows)
    print(table)
    if args.write:
        write_atomic(args.write, table + "\n")
        print(f"\nwrote {args.write}")
    failed = [row.model for row in rows if not row.passed]
    if failed:
        print(
            f"\nDIVERGES beyond the thresholds (macro-F1 within {evaluation.F1_TOLERANCE}, "
            f"agreement >= {evaluation.MIN_AGREEMENT:.1%}, largest difference <= "
            f"{evaluation.MAX_PROB_DIFF:g}): {', '.join(failed)}"
        )
        return 1
    return 0


def _load_npy(path):
    """An array from a .npy file; never unpickles anything."""
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise ValueError(
            f"{path} is not a .npy array this tool can read without unpickling ({exc}); save "
            "numbers as a numeric array and text as a str array, e.g. np.array(texts, dtype=str)"
        ) from exc


def _diff(args):
    from conformance import evaluation
    from conformance.tolerances import TOLERANCES

    from . import load_model
    from .diff import diff_rows, format_rows

    if args.samples is not None and args.samples < 1:
        print("error: --samples must be at least 1", file=sys.stderr)
        return 2
    if args.input:
        x = _load_npy(args.input)[: args.samples]
        if len(x) == 0:
            print(f"error: {args.input} holds no samples; expected at least one", file=sys.stderr)
            return 2
    else:
        x, _ = evaluation.load_test_set(args.dataset, source=args.source, samples=args.samples)
    model = load_model(args.model)
    engine_layers = list(zip(model.layers, model.trace(x)))
    if not evaluation.keras_available():
        print("Keras is not installed: showing the engine's layer outputs alone.")
        for layer, (name, out) in engine_layers:
            print(f"{name:<28} {layer.class_name:<22} {out.shape}")
        return 0
    from conformance import keras_runner

    keras_layers = keras_runner.layer_outputs(keras_runner.load(args.model), x)
    text, first_bad = format_rows(diff_rows(engine_layers, keras_layers, TOLERANCES))
    print(f"{args.model}: {len(x)} inputs, engine against Keras layer by layer\n")
    print(text)
    if first_bad is not None:
        print(f"\nfirst divergence at layer {engine_layers[first_bad][1][0]!r}")
        return 1
    print("\nevery layer within tolerance")
    return 0


if __name__ == "__main__":
    sys.exit(main())

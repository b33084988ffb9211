"""Command line: python -m reference evaluate | summary.

The evaluation needs the dataset loaders and scikit-learn (the "test" extra); the engine
itself does not.
"""

import argparse
import sys

import numpy as np

from .errors import EngineError


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

    summary = commands.add_parser("summary", help="print the layers the engine reads from a model")
    summary.add_argument("model")

    args = parser.parse_args(argv)
    try:
        if args.command == "summary":
            from . import load_model

            print(load_model(args.model).summary())
            return 0
        return _evaluate(args, parser)
    except EngineError as exc:
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


def _evaluate(args, parser):
    from conformance import evaluation

    if args.golden:
        rows = evaluation.evaluate_golden(samples=args.samples, batch_size=args.batch_size)
    else:
        if not args.model or not args.dataset:
            parser.error("evaluate needs MODEL.keras and --dataset (or --golden)")
        recorded = np.load(args.keras_predictions) if args.keras_predictions else None
        if recorded is None and not evaluation.keras_available():
            print("Keras is not installed: reporting the engine's macro-F1 alone.")
        rows = [
            evaluation.evaluate(
                args.model, args.dataset, recorded, args.samples, args.batch_size, args.source
            )
        ]
    print(evaluation.format_table(rows))
    failed = [row.model for row in rows if not row.passed]
    if failed:
        print(
            f"\nDIVERGES beyond the thresholds (macro-F1 within {evaluation.F1_TOLERANCE}, "
            f"agreement >= {evaluation.MIN_AGREEMENT:.1%}, largest difference <= "
            f"{evaluation.MAX_PROB_DIFF:g}): {', '.join(failed)}"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run the hyperparameter sweeps (CNN on CIFAR-10, SimpleRNN and LSTM on NusaX) and report them.

Usage: `python -m experiments.run [--network cnn simplernn lstm] [--sweep layers ...] [--seeds N]
[--smoke] [--report-only] [--threads N] [--cifar10-source PATH]`

Training goes to the runs folder (default `runs/experiments`, ignored by git), one folder per
(configuration, seed); finished ones are never trained again, so a killed sweep resumes where it
stopped. For the text models the fixed settings are first tuned on validation data. Results
(`results/`: per sweep JSON, markdown and PNG, and REPORT.md) are written only when the
conformance gate is open; otherwise nothing there changes and `--report-only` writes them later
from the runs folder without training.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

from conformance import gate
from experiments import sweeps
from reference.files import write_atomic

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RUNS = REPO_ROOT / "runs" / "experiments"
DEFAULT_RESULTS = REPO_ROOT / "results"
GATE_CLOSED_EXIT = 3


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--network",
        nargs="+",
        choices=[*sweeps.NETWORKS, "all"],
        default=["all"],
        help="networks to train (default: all)",
    )
    parser.add_argument(
        "--sweep",
        nargs="+",
        choices=["layers", "filters", "kernels", "pooling", "cells", "direction", "all"],
        default=["all"],
        help="sweeps to train (default: all)",
    )
    parser.add_argument(
        "--seeds",
        type=int,
        default=None,
        help="seeds per variant (default: 5 for the text models, 2 for the CNN)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a few hundred samples, one epoch, one seed, into temporary folders "
        "unless --runs-dir/--results-dir are given",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="train nothing; write results/ from the finished runs",
    )
    parser.add_argument(
        "--threads", type=int, default=2, help="TensorFlow intra- and inter-op threads (default: 2)"
    )
    parser.add_argument(
        "--cifar10-source",
        type=Path,
        default=None,
        help="CIFAR-10 archive or folder (default: $CIFAR10_SOURCE, else the "
        "shared archive when present, else Keras's download)",
    )
    parser.add_argument("--runs-dir", type=Path, default=None)
    parser.add_argument("--results-dir", type=Path, default=None)
    parser.add_argument(
        "--gate-stamp",
        type=Path,
        default=None,
        help="the conformance pass record to check (default: the suite's own)",
    )
    args = parser.parse_args(argv)
    if args.seeds is not None and args.seeds < 1:
        parser.error("--seeds must be at least 1")
    if args.threads < 1:
        parser.error("--threads must be at least 1")
    if args.smoke and (args.runs_dir is None or args.results_dir is None):
        scratch = Path(tempfile.mkdtemp(prefix="experiments-smoke-"))
        args.runs_dir = args.runs_dir or scratch / "runs"
        args.results_dir = args.results_dir or scratch / "results"
    args.runs_dir = args.runs_dir or DEFAULT_RUNS
    args.results_dir = args.results_dir or DEFAULT_RESULTS
    return args


def main(argv=None):
    args = parse_args(argv)
    networks = (
        sweeps.NETWORKS
        if "all" in args.network
        else [n for n in sweeps.NETWORKS if n in args.network]
    )
    names = None if "all" in args.sweep else set(args.sweep)
    chosen = [s for s in sweeps.SWEEPS if s.network in networks and (not names or s.name in names)]
    if not chosen:
        print(f"no sweep named {sorted(names)} for {', '.join(networks)}", file=sys.stderr)
        return 2
    print(f"runs folder: {args.runs_dir}\nresults folder: {args.results_dir}", flush=True)
    if not args.report_only:
        Trainer(args, chosen).run()
    return write_report(args)


class Trainer:
    """Trains every unfinished (configuration, seed) of the chosen sweeps, one at a time."""

    def __init__(self, args, chosen):
        self.args, self.chosen = args, chosen
        self.networks = [n for n in sweeps.NETWORKS if any(s.network == n for s in chosen)]
        self.started = time.time()
        self.done_here = 0
        self.data = {}

    def run(self):
        from experiments import training  # Keras loads only when something is trained

        self.training = training
        training.configure_threads(self.args.threads)
        for network in self.networks:
            while jobs := self.pending(network):
                self.train_one(*jobs[0])
            print(f"[{network}] all runs finished", flush=True)

    def pending(self, network, fixed_guess=False):
        """Unfinished (configuration, seed, role) jobs: tuning first, then the sweeps.

        Until tuning has finished the sweeps' configurations are unknown; with fixed_guess the
        first candidate stands in for them, which is enough for estimating the remaining time.
        """
        smoke, override, jobs, seen = self.args.smoke, self.args.seeds, [], set()

        def add(cfg, seed, role):
            key = (sweeps.config_id(cfg), seed)
            if key not in seen and sweeps.read_record(self.args.runs_dir, cfg, seed) is None:
                jobs.append((cfg, seed, role))
            seen.add(key)

        candidates = sweeps.candidates(network, smoke)
        if len(candidates) > 1:
            for index, fixed in enumerate(candidates, start=1):
                cfg = sweeps.config(network, sweeps.base_variable(network), fixed, smoke)
                for seed in sweeps.tuning_seeds(network, smoke, override):
                    add(cfg, seed, f"tuning candidate {index}/{len(candidates)}")
        fixed = sweeps.choose_fixed(network, self.args.runs_dir, smoke, override)
        if fixed is None:
            if not fixed_guess:
                return jobs
            fixed = candidates[0]
        # Seed by seed, so that a sweep stopped early has every variant with some seeds.
        for seed in sweeps.seeds(network, smoke, override):
            for sweep in self.chosen:
                if sweep.network == network:
                    for label, cfg in sweeps.sweep_configs(sweep, fixed, smoke):
                        add(cfg, seed, f"{sweep.name} sweep: {label}")
        return jobs

    def mean_seconds(self, network):
        """Mean seconds of a finished run of the network in this runs folder, or None."""
        folder = Path(self.args.runs_dir) / network
        totals = []
        for path in folder.glob("*/seed-*/record.json"):
            record = sweeps.read_json(path)
            if record is not None:
                totals.append(record["seconds"]["total"])
        return sum(totals) / len(totals) if totals else None

    def train_one(self, cfg, seed, role):
        network = cfg["network"]
        remaining = [
            job
            for n in self.networks[self.networks.index(network) :]
            for job in self.pending(n, fixed_guess=True)
        ]
        label = sweeps.variant_label(network, cfg["variable"])
        prefix = f"[{network} {label} seed {seed}]"
        print(
            f"\n{time.strftime('%H:%M:%S')} {prefix} {role}; {len(remaining)} run(s) left, "
            f"{self.done_here} finished in this session",
            flush=True,
        )
        means = {n: self.mean_seconds(n) for n in self.networks}
        others = remaining[1:]

        def estimate(elapsed, epochs_done):
            own = means[network]
            if own is None:  # no finished run yet: assume all epochs at the pace so far
                own = elapsed / epochs_done * cfg["fixed"]["max_epochs"]
            left = max(own - elapsed, 0.0)
            unknown = set()
            for other_cfg, _, _ in others:
                per_run = means[other_cfg["network"]]
                if per_run is None and other_cfg["network"] == network:
                    per_run = own
                if per_run is None:
                    unknown.add(other_cfg["network"])
                else:
                    left += per_run
            total = time.time() - self.started
            text = f"{_duration(total)} elapsed, ~{_duration(left)} left"
            if unknown:
                text += f" (+ {', '.join(sorted(unknown))}: not timed yet)"
            return text

        folder = sweeps.run_dir(self.args.runs_dir, cfg, seed)
        record = self.training.train(cfg, seed, self._data_for(network), folder, prefix, estimate)
        self.done_here += 1
        test = record["test"]
        verdict = "engine agrees" if test["passed"] else "ENGINE DISAGREES: run marked failed"
        print(
            f"{prefix} done in {record['seconds']['total']:.0f} s: {record['epochs_run']} epochs "
            f"(kept {record['kept_epoch']}), validation macro-F1 "
            f"{record['validation']['macro_f1']:.4f}, test macro-F1 Keras "
            f"{test['keras_macro_f1']:.4f} / engine {test['reference_macro_f1']:.4f}, "
            f"agreement {test['agreement']:.2%}, max diff {test['max_prob_diff']:.1e}; {verdict}",
            flush=True,
        )

    def _data_for(self, network):
        if network not in self.data:
            self.data.clear()  # one data set in memory at a time
            print(f"[{network}] loading data", flush=True)
            data = self.training.load_data(network, self.args.smoke, self.args.cifar10_source)
            print(f"[{network}] {data.description}", flush=True)
            self.data[network] = data
        return self.data[network]


def write_report(args):
    """Render every sweep with finished runs, then write results/ only if the gate is open."""
    from experiments import report

    files = report.render(args.runs_dir, args.smoke, args.seeds)
    if not files:
        print("no finished runs yet; nothing to report", flush=True)
        return 0
    try:
        gate.check(stamp=args.gate_stamp)  # right before writing: the code may have changed
    except gate.GateClosed as closed:
        print(
            f"\nNOT writing results: the conformance gate is closed: {closed}.\n"
            f"{args.results_dir} is left as it was. The finished runs are kept in "
            f"{args.runs_dir}; once the suite passes, write the results without training by "
            f"`python -m experiments.run --report-only"
            + (" --smoke" if args.smoke else "")
            + (f" --runs-dir {args.runs_dir}" if args.runs_dir != DEFAULT_RUNS else "")
            + "`.",
            flush=True,
        )
        return GATE_CLOSED_EXIT
    for name, data in files.items():
        write_atomic(Path(args.results_dir) / name, data)
    print(
        f"\nwrote {len(files)} files to {args.results_dir}: {', '.join(sorted(files))}", flush=True
    )
    return 0


def _duration(seconds):
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


if __name__ == "__main__":
    sys.exit(main())

"""Turn the finished runs into results: per sweep JSON, markdown table and loss-curve PNG, and
REPORT.md, whose conclusions are generated from the measured numbers.

`render` only builds the files in memory; `experiments.run` writes them after the gate check.
"""

import io
import itertools
import json
import math
import time

import numpy as np

from conformance import evaluation
from experiments import sweeps

TARGETS = {"cnn": 0.75, "simplernn": 0.55, "lstm": 0.75}
NOISE_RULE = (
    "Seed noise is the larger of the two variants' standard deviations over seeds (sample "
    "standard deviation); a difference in mean test macro-F1 smaller than that is called "
    "within the seed noise."
)


def render(runs_dir, smoke=False, seed_override=None):
    """{file name: bytes} for every sweep with finished runs, plus REPORT.md; {} if none."""
    sections, files = [], {}
    for network in sweeps.NETWORKS:
        fixed = sweeps.choose_fixed(network, runs_dir, smoke, seed_override)
        tuning = sweeps.tuning_summary(network, runs_dir, smoke, seed_override)
        network_sweeps = []
        for sweep in sweeps.sweeps(network):
            if fixed is None:
                network_sweeps.append((sweep, None))
                continue
            variants = collect(sweep, fixed, runs_dir, smoke, seed_override)
            if not any(v["records"] for v in variants):
                network_sweeps.append((sweep, None))
                continue
            conclusions = conclude(sweep, variants)
            stem = f"{network}_{sweep.name}"
            files[f"{stem}.json"] = sweep_json(sweep, fixed, variants, conclusions)
            files[f"{stem}.md"] = (sweep_table(sweep, variants) + "\n").encode()
            files[f"{stem}.png"] = loss_figure(sweep, variants)
            network_sweeps.append((sweep, (variants, conclusions)))
        sections.append((network, fixed, tuning, network_sweeps))
    if not files:
        return {}
    files["REPORT.md"] = report_markdown(sections, smoke, seed_override).encode()
    return files


def collect(sweep, fixed, runs_dir, smoke, seed_override):
    """Per variant of the sweep: label, configuration, finished records and summary numbers."""
    wanted = sweeps.seeds(sweep.network, smoke, seed_override)
    variants = []
    for (label, cfg), earlier in zip(sweeps.sweep_configs(sweep, fixed, smoke), sweep.earlier):
        records = [r for s in wanted if (r := sweeps.read_record(runs_dir, cfg, s)) is not None]
        variants.append(
            {
                "label": label,
                "config_id": sweeps.config_id(cfg),
                "config": cfg,
                "seeds_wanted": len(wanted),
                "earlier": earlier,
                "records": records,
                "summary": summarise(records),
            }
        )
    return variants


def summarise(records):
    if not records:
        return None
    keras_f1 = np.array([r["test"]["keras_macro_f1"] for r in records])
    gaps = []
    for r in records:
        kept = r["kept_epoch"] - 1
        gaps.append(r["history"]["val_loss"][kept] - r["history"]["loss"][kept])
    return {
        "seeds": len(records),
        "keras_macro_f1_mean": float(keras_f1.mean()),
        "keras_macro_f1_std": float(keras_f1.std(ddof=1)) if len(records) > 1 else None,
        "keras_macro_f1_per_seed": [float(v) for v in keras_f1],
        "reference_macro_f1_mean": _mean(r["test"]["reference_macro_f1"] for r in records),
        "validation_macro_f1_mean": _mean(r["validation"]["macro_f1"] for r in records),
        "best_validation_loss_mean": _mean(r["validation"]["best_loss"] for r in records),
        "generalisation_gap_mean": _mean(gaps),
        "agreement_min": min(r["test"]["agreement"] for r in records),
        "max_prob_diff_max": max(r["test"]["max_prob_diff"] for r in records),
        "engine_failures": [r["seed"] for r in records if not r["test"]["passed"]],
        "epochs_run_mean": _mean(r["epochs_run"] for r in records),
        "kept_epoch_mean": _mean(r["kept_epoch"] for r in records),
        "train_seconds_mean": _mean(r["seconds"]["train"] for r in records),
        "parameters": records[0]["parameters"],
    }


# ---------------------------------------------------------------------------------------------
# Conclusions, derived from the numbers


def conclude(sweep, variants):
    """Sentences comparing the variants of a sweep, each computed from the summaries."""
    done = [v for v in variants if v["summary"]]
    lines = []
    missing = [
        f"{v['label']} ({len(v['records'])}/{v['seeds_wanted']} seeds)"
        for v in variants
        if len(v["records"]) < v["seeds_wanted"]
    ]
    if missing:
        lines.append(
            f"Incomplete: {', '.join(missing)}; the comparisons below use what has finished."
        )
    ranked = sorted(done, key=lambda v: -v["summary"]["keras_macro_f1_mean"])
    best, worst = ranked[0], ranked[-1]
    lines.append(
        f"Highest mean test macro-F1: **{best['label']}** ({_pm(best)}); "
        f"lowest: {worst['label']} ({_pm(worst)})."
        if len(ranked) > 1
        else f"Only {best['label']} has finished: {_pm(best)}."
    )
    if sweep.ordered and len(done) == len(variants) and len(done) > 2:
        means = [v["summary"]["keras_macro_f1_mean"] for v in variants]
        steps = " → ".join(f"{m:.4f}" for m in means)
        if all(b > a for a, b in itertools.pairwise(means)):
            lines.append(f"Macro-F1 rises with every step in {sweep.hyperparameter} ({steps}).")
        elif all(b < a for a, b in itertools.pairwise(means)):
            lines.append(f"Macro-F1 falls with every step in {sweep.hyperparameter} ({steps}).")
        else:
            peak = variants[int(np.argmax(means))]["label"]
            lines.append(
                f"Macro-F1 is not monotonic in {sweep.hyperparameter} ({steps}); "
                f"it peaks at {peak}."
            )
    for a, b in itertools.combinations(done, 2):
        lines.append(_pair(a, b))
    if len(done) > 1:
        by_loss = min(done, key=lambda v: v["summary"]["best_validation_loss_mean"])
        by_gap = max(done, key=lambda v: v["summary"]["generalisation_gap_mean"])
        lines.append(
            f"Lowest best validation loss: {by_loss['label']} "
            f"({by_loss['summary']['best_validation_loss_mean']:.4f}); largest gap between "
            f"validation and training loss at the kept epoch: {by_gap['label']} "
            f"({by_gap['summary']['generalisation_gap_mean']:+.4f})."
        )
    lines.extend(_against_earlier(variants))
    runs = sum(v["summary"]["seeds"] for v in done)
    failures = [f"{v['label']} seed {s}" for v in done for s in v["summary"]["engine_failures"]]
    if failures:
        lines.append(
            f"ENGINE CHECK FAILED for {len(failures)} of {runs} runs ({', '.join(failures)}"
            "): those runs are marked failed; their Keras figures are shown but the "
            "engine disagrees with Keras beyond the thresholds."
        )
    else:
        worst_agreement = min(v["summary"]["agreement_min"] for v in done)
        worst_diff = max(v["summary"]["max_prob_diff_max"] for v in done)
        lines.append(
            f"The engine agrees with Keras on all {runs} runs (lowest agreement "
            f"{worst_agreement:.2%}, largest probability difference {worst_diff:.1e})."
        )
    return lines


def _pm(variant):
    s = variant["summary"]
    std = s["keras_macro_f1_std"]
    noise = f" ± {std:.4f}" if std is not None else ""
    return f"{s['keras_macro_f1_mean']:.4f}{noise} over {s['seeds']} seed(s)"


def _pair(a, b):
    sa, sb = a["summary"], b["summary"]
    diff = sa["keras_macro_f1_mean"] - sb["keras_macro_f1_mean"]
    stds = [s for s in (sa["keras_macro_f1_std"], sb["keras_macro_f1_std"]) if s is not None]
    head = f"{a['label']} vs {b['label']}: {diff:+.4f}"
    if len(stds) < 2:
        return f"{head}; seed noise not measurable with one seed."
    noise = max(stds)
    if abs(diff) < noise:
        return f"{head}, within the seed noise ({noise:.4f}): no measurable difference."
    better = a["label"] if diff > 0 else b["label"]
    return f"{head}, larger than the seed noise ({noise:.4f}): {better} is better."


def _against_earlier(variants):
    pairs = [(v, v["earlier"]) for v in variants if v["summary"] and v["earlier"] is not None]
    if not pairs:
        return []
    parts = [
        f"{v['label']} {e:.4f} → {v['summary']['keras_macro_f1_mean']:.4f} "
        f"({v['summary']['keras_macro_f1_mean'] - e:+.4f})"
        for v, e in pairs
    ]
    higher = sum(v["summary"]["keras_macro_f1_mean"] > e for v, e in pairs)
    line = (
        f"Against the earlier report (its single run → our mean): {'; '.join(parts)}; ours "
        f"is higher for {higher} of {len(pairs)}."
    )
    if len(pairs) == len(variants) and len(pairs) > 1:
        theirs = max(pairs, key=lambda p: p[1])[0]["label"]
        ours = max(pairs, key=lambda p: p[0]["summary"]["keras_macro_f1_mean"])[0]["label"]
        line += (
            f" Both rank {ours} first."
            if theirs == ours
            else f" The earlier report ranks {theirs} first, these runs {ours}."
        )
    return [line]


# ---------------------------------------------------------------------------------------------
# Files


def sweep_json(sweep, fixed, variants, conclusions):
    data = {
        "network": sweep.network,
        "title": sweeps.NETWORK_TITLES[sweep.network],
        "sweep": sweep.name,
        "hyperparameter": sweep.hyperparameter,
        "fixed_settings": fixed,
        "metric": "macro-F1 (sklearn f1_score average='macro') on the full test split",
        "engine_check_thresholds": {
            "f1_tolerance": evaluation.F1_TOLERANCE,
            "min_agreement": evaluation.MIN_AGREEMENT,
            "max_prob_diff": evaluation.MAX_PROB_DIFF,
        },
        "earlier_report": sweeps.EARLIER_REPORT,
        "variants": variants,
        "conclusions": conclusions,
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    return (json.dumps(data, indent=2) + "\n").encode()


def sweep_table(sweep, variants):
    lines = [
        f"| {sweep.hyperparameter} | seeds | Keras test macro-F1 | engine test macro-F1 | "
        "validation macro-F1 | epochs (kept) | train s | parameters | engine check | "
        "earlier report |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for v in variants:
        s = v["summary"]
        earlier = "n/a" if v["earlier"] is None else f"{v['earlier']:.4f}"
        if s is None:
            lines.append(
                f"| {v['label']} | 0/{v['seeds_wanted']} | pending | | | | | | | {earlier} |"
            )
            continue
        std = "" if s["keras_macro_f1_std"] is None else f" ± {s['keras_macro_f1_std']:.4f}"
        check = (
            f"agrees (≥ {s['agreement_min']:.2%}, ≤ {s['max_prob_diff_max']:.0e})"
            if not s["engine_failures"]
            else f"FAILED seeds {', '.join(map(str, s['engine_failures']))}"
        )
        lines.append(
            f"| {v['label']} | {s['seeds']}/{v['seeds_wanted']} | "
            f"{s['keras_macro_f1_mean']:.4f}{std} | {s['reference_macro_f1_mean']:.4f} | "
            f"{s['validation_macro_f1_mean']:.4f} | {s['epochs_run_mean']:.1f} "
            f"({s['kept_epoch_mean']:.1f}) | {s['train_seconds_mean']:.0f} | "
            f"{s['parameters']:,} | {check} | {earlier} |"
        )
    return "\n".join(lines)


def loss_figure(sweep, variants):
    """Training and validation loss per epoch: mean over seeds, band of ± one std."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for color, v in zip(plt.rcParams["axes.prop_cycle"].by_key()["color"], variants):
        if not v["records"]:
            continue
        for axis, key in zip(axes, ("loss", "val_loss")):
            mean, std = _curve([r["history"][key] for r in v["records"]])
            epochs = np.arange(1, len(mean) + 1)
            axis.plot(epochs, mean, color=color, label=f"{v['label']} (n={len(v['records'])})")
            axis.fill_between(epochs, mean - std, mean + std, color=color, alpha=0.2)
    for axis, title in zip(axes, ("training loss", "validation loss")):
        axis.set_title(title)
        axis.set_xlabel("epoch")
        axis.grid(alpha=0.3)
    axes[0].set_ylabel("sparse categorical crossentropy")
    axes[1].legend(fontsize="small")
    figure.suptitle(
        f"{sweeps.NETWORK_TITLES[sweep.network]}: {sweep.hyperparameter} "
        "(mean over seeds, band ± 1 std; runs stopped early drop out)"
    )
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()


def _curve(histories):
    """Per-epoch mean and std over the runs that reached that epoch."""
    length = max(len(h) for h in histories)
    mean, std = np.zeros(length), np.zeros(length)
    for epoch in range(length):
        values = np.array([h[epoch] for h in histories if len(h) > epoch])
        mean[epoch], std[epoch] = values.mean(), values.std()
    return mean, std


def report_markdown(sections, smoke, seed_override):
    out = ["# Hyperparameter sweeps: CNN on CIFAR-10, SimpleRNN and LSTM on NusaX-Senti", ""]
    if smoke:
        out += [
            "**Smoke run**: a few hundred samples, one epoch; the numbers say nothing about "
            "the models.",
            "",
        ]
    out += [
        f"Generated {time.strftime('%Y-%m-%d %H:%M %Z')} by `python -m experiments.run` from the "
        "finished runs; every number and every conclusion below is computed from those runs.",
        "",
        "Protocol: every model is trained with Keras (Adam, sparse categorical crossentropy, "
        "early stopping on validation loss, best weights restored) and saved as .keras; its test "
        "macro-F1 is measured with Keras on the saved file and again with the NumPy reference "
        f"engine on the same test split. A run is marked failed when the engine's macro-F1 "
        f"differs by more than {evaluation.F1_TOLERANCE}, fewer than "
        f"{evaluation.MIN_AGREEMENT:.1%} of predicted classes agree, or a probability differs by "
        f"more than {evaluation.MAX_PROB_DIFF}. A variant is a full configuration; one that "
        "appears in several sweeps (the base variant is in every sweep of its network) is "
        "trained once per seed and shared. Mean ± standard deviation are over seeds. "
        + NOISE_RULE
        + " The train s column is wall-clock time on a shared 2-core machine that often ran "
        "other work at the same time (tests, benchmarks, a second sweep); it shows cost, and is "
        "not a fair comparison of variants' speed.",
        "",
        "The earlier report's figures are single runs from " + sweeps.EARLIER_REPORT + ".",
        "",
        "## Status",
        "",
        "| network | sweep | finished runs |",
        "|---|---|---:|",
    ]
    for network, _, _, network_sweeps in sections:
        for sweep, content in network_sweeps:
            if content is None:
                status = "pending"
            else:
                variants = content[0]
                done = sum(len(v["records"]) for v in variants)
                status = f"{done}/{sum(v['seeds_wanted'] for v in variants)}"
            out.append(f"| {sweeps.NETWORK_TITLES[network]} | {sweep.hyperparameter} | {status} |")
    out.append("")
    out += _summary(sections)
    for network, fixed, tuning, network_sweeps in sections:
        out += ["", f"## {sweeps.NETWORK_TITLES[network]}", ""]
        out += _settings_section(network, fixed, tuning, smoke, seed_override)
        for sweep, content in network_sweeps:
            out += ["", f"### {sweep.hyperparameter.capitalize()}", ""]
            if content is None:
                out.append("Pending: no finished runs yet.")
                continue
            variants, conclusions = content
            stem = f"{network}_{sweep.name}"
            out += [
                sweep_table(sweep, variants),
                "",
                f"![{sweep.hyperparameter} loss curves]({stem}.png)",
                "",
                "Conclusions from these numbers:",
                "",
            ]
            out += [f"- {line}" for line in conclusions]
            out += ["", f"Every run: [{stem}.json]({stem}.json)."]
    return "\n".join(out) + "\n"


def _summary(sections):
    out = [
        "## Best variants against the targets",
        "",
        "| network | best variant (mean over seeds) | test macro-F1 | target | met | "
        "best single run (for reference only: picked on the test split) |",
        "|---|---|---:|---:|---|---|",
    ]
    for network, _, _, network_sweeps in sections:
        variants = {
            v["config_id"]: v
            for _, content in network_sweeps
            if content
            for v in content[0]
            if v["summary"]
        }
        if not variants:
            out.append(
                f"| {sweeps.NETWORK_TITLES[network]} | pending | | {TARGETS[network]:.2f} | | |"
            )
            continue
        best = max(variants.values(), key=lambda v: v["summary"]["keras_macro_f1_mean"])
        mean = best["summary"]["keras_macro_f1_mean"]
        label = sweeps.variant_label(network, best["config"]["variable"])
        top_f1, top_label, top_seed = max(
            (
                (record["test"]["keras_macro_f1"], v["config"]["variable"], record["seed"])
                for v in variants.values()
                for record in v["records"]
            ),
            key=lambda run: run[0],
        )
        top = f"{top_f1:.4f} ({sweeps.variant_label(network, top_label)}, seed {top_seed})"
        out.append(
            f"| {sweeps.NETWORK_TITLES[network]} | {label} | {_pm(best)} | "
            f"{TARGETS[network]:.2f} | {'yes' if mean >= TARGETS[network] else 'no'} | {top} |"
        )
    out += [
        "",
        "A target counts as met only by a variant's mean over its seeds; the best single run "
        "is shown for comparison with the earlier report's single runs, not as a result.",
    ]
    return out


def _settings_section(network, fixed, tuning, smoke, seed_override):
    n = sweeps.n_seeds(network, smoke) if seed_override is None else seed_override
    out = [
        f"Seeds per variant: {n}. Base variant: "
        f"`{sweeps.variant_label(network, sweeps.base_variable(network))}`."
    ]
    if len(tuning) > 1:
        tuned = ", ".join(sweeps.TUNING_KEYS)
        out += [
            "",
            f"How the fixed settings were chosen: {tuned} were tuned; "
            + sweeps.TUNING_RULE.format(
                seeds=len(sweeps.tuning_seeds(network, smoke, seed_override))
            )
            + "."
            + (" " + sweeps.TUNING_NOTES[network] if network in sweeps.TUNING_NOTES else ""),
            "",
            "| candidate | runs | validation macro-F1 (mean) | best validation loss "
            "(mean) | chosen |",
            "|---|---:|---:|---:|---|",
        ]
        for row in tuning:
            chosen = "yes" if fixed is not None and row["fixed"] == fixed else ""
            f1 = row["validation_macro_f1"]
            loss = row["validation_loss"]
            out.append(
                f"| {_settings_text(row['tuned'])} | {len(row['records'])} | "
                f"{'' if math.isnan(f1) else f'{f1:.4f}'} | "
                f"{'' if math.isnan(loss) else f'{loss:.4f}'} | {chosen} |"
            )
    else:
        out += [
            "",
            "How the fixed settings were chosen: not tuned here (a CIFAR-10 run costs "
            "several minutes on this machine); they follow the recipe of the baseline CNN "
            "(experiments/baselines.py: Adam with cosine decay, horizontal flips, dropout), "
            "with a 12-epoch budget; training sees only the training split, and early "
            "stopping only the validation split.",
        ]
    if fixed is None:
        out += ["", "Tuning has unfinished runs, so the sweeps have not started."]
    else:
        out += ["", "Fixed settings:", "", "```json", json.dumps(fixed, indent=2), "```"]
    return out


def _settings_text(settings):
    return ", ".join(f"{key} {value:g}" for key, value in settings.items())


def _mean(values):
    values = list(values)
    return math.fsum(values) / len(values) if values else float("nan")

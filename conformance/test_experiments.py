"""The sweeps' pipeline in smoke mode: training, resuming, and the gate before results/.

A smoke run trains on a few hundred samples for one epoch with one seed, into temporary folders.
"""

import json

import pytest

pytest.importorskip("keras")

from conformance import gate, manifest  # noqa: E402
from experiments import run, sweeps  # noqa: E402

pytestmark = [
    pytest.mark.keras,
    pytest.mark.slow,
    # Keras's own NumPy 2 deprecation, once per converted batch.
    pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept:DeprecationWarning"),
]

REAL_RESULTS = run.DEFAULT_RESULTS


def snapshot(folder):
    """{relative path: (size, mtime)} of every file under folder; {} when it does not exist."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def smoke(tmp, *extra, network="lstm", sweep="direction"):
    return run.main(
        [
            "--smoke",
            "--network",
            network,
            "--sweep",
            sweep,
            "--threads",
            "2",
            "--runs-dir",
            str(tmp / "runs"),
            "--results-dir",
            str(tmp / "results"),
            "--gate-stamp",
            str(tmp / "stamp.json"),
            *extra,
        ]
    )


def records(runs_dir):
    return {
        str(p.relative_to(runs_dir)): json.loads(p.read_text())
        for p in sorted(runs_dir.rglob("record.json"))
    }


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A smoke LSTM direction sweep trained with the gate closed (no pass recorded)."""
    tmp = tmp_path_factory.mktemp("experiments")
    (tmp / "results").mkdir()
    (tmp / "results" / "earlier.md").write_text("results from before\n")
    before = snapshot(tmp / "results"), snapshot(REAL_RESULTS)
    code = smoke(tmp)
    return tmp, code, before


def test_smoke_trains_every_run_and_the_engine_agrees(trained):
    tmp, _, _ = trained
    found = records(tmp / "runs")
    # Two tuning candidates on the base (bidirectional) variant, plus the unidirectional variant.
    assert len(found) == 1 + len(sweeps.candidates("lstm", smoke=True))
    for path, record in found.items():
        assert (tmp / "runs" / path).with_name("model.keras").is_file()
        assert record["epochs_run"] == 1 and record["config"]["smoke"]
        assert len(record["history"]["loss"]) == len(record["history"]["val_loss"]) == 1
        assert record["test"]["samples"] == sweeps.SMOKE["test"]
        assert record["test"]["passed"], f"{path}: engine disagrees with Keras: {record['test']}"
        assert record["seconds"]["train"] > 0


def test_closed_gate_leaves_results_untouched(trained):
    tmp, code, (before, real_before) = trained
    assert code == run.GATE_CLOSED_EXIT
    assert snapshot(tmp / "results") == before
    assert snapshot(REAL_RESULTS) == real_before


def test_resume_trains_nothing_again(trained, capsys):
    tmp, _, _ = trained
    finished = {path: r["finished"] for path, r in records(tmp / "runs").items()}
    assert smoke(tmp) == run.GATE_CLOSED_EXIT
    assert {path: r["finished"] for path, r in records(tmp / "runs").items()} == finished
    assert " epoch " not in capsys.readouterr().out


def test_stale_pass_record_keeps_results_closed(trained, capsys):
    tmp, _, (before, real_before) = trained
    stamp = tmp / "stamp.json"
    stamp.write_text(json.dumps({"fingerprint": "0" * 64, "passed": 1}))
    try:
        assert smoke(tmp, "--report-only") == run.GATE_CLOSED_EXIT
    finally:
        stamp.unlink()
    assert "changed since conformance last passed" in capsys.readouterr().out
    assert snapshot(tmp / "results") == before
    assert snapshot(REAL_RESULTS) == real_before


def test_open_gate_writes_every_result(trained):
    tmp, _, (before, real_before) = trained
    if manifest.verify(gate.ROOT / "golden"):
        pytest.skip("golden/ does not match its manifest, so no conformance run can pass")
    gate.record_pass(1, stamp=tmp / "stamp.json")  # a pass on the current fingerprint
    try:
        assert smoke(tmp, "--report-only") == 0
    finally:
        (tmp / "stamp.json").unlink()
    results = tmp / "results"
    assert (results / "earlier.md").read_text() == "results from before\n"
    report = (results / "REPORT.md").read_text()
    assert "Smoke run" in report and "lstm_direction.png" in report
    data = json.loads((results / "lstm_direction.json").read_text())
    assert [v["label"] for v in data["variants"]] == ["unidirectional", "bidirectional"]
    for variant in data["variants"]:
        (record,) = variant["records"]
        assert record["test"]["keras_macro_f1"] is not None
        assert record["test"]["reference_macro_f1"] is not None
    assert data["conclusions"]
    assert (results / "lstm_direction.md").read_text().startswith("| direction |")
    assert (results / "lstm_direction.png").read_bytes().startswith(b"\x89PNG")
    assert not list(results.glob(".*.tmp"))
    assert snapshot(REAL_RESULTS) == real_before


def test_cnn_smoke(tmp_path):
    from experiments import training

    source = training.cifar10_source(None)
    if source is None:
        pytest.skip("no CIFAR-10 training data (set CIFAR10_SOURCE)")
    assert smoke(tmp_path, network="cnn", sweep="pooling") == run.GATE_CLOSED_EXIT
    found = records(tmp_path / "runs")
    assert len(found) == 2
    assert all(r["test"]["passed"] for r in found.values())
    assert not (tmp_path / "results").exists()

"""The suite runs an external engine, reports what it does not support, and writes the report."""

import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from conformance.report import PROPERTY, Tally, is_unsupported, render_markdown
from reference import UnsupportedLayerError

ROOT = Path(__file__).resolve().parents[2]
ENGINE = "conformance.examples.no_recurrent:load_model"
EXPECTED = {
    "dense-on-2d-input": "passed",
    "flatten-rank3-input": "passed",
    # The example engine has no predict_with_mask: the mask test is skipped, not unsupported.
    "embedding-mask-zero-mixed-padding-outputs-mask": "passed",
    "lstm-last-output": "unsupported",
    "gru-masked-post-padding-last-output": "unsupported",
    "bidirectional-gru-concat-last-output": "unsupported",
    "textvec-character-split": "unsupported",
}


def test_an_external_engine_reports_unsupported_cases_and_does_not_crash(tmp_path):
    """Under xdist, refused cases are skipped as unsupported and counted in the report."""
    report = tmp_path / "report.md"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "conformance/test_layers.py",
        f"--engine={ENGINE}",
        "-k",
        " or ".join(f"[{case}]" for case in EXPECTED),
        # One worker is enough to take the path where reports travel from a worker to the
        # controller, which is where the report is aggregated.
        "-n",
        "1",
        f"--report={report}",
        "-p",
        "no:cacheprovider",
    ]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    output = run.stdout + run.stderr

    assert run.returncode == 0, output[-3000:]
    rows = dict(re.findall(r"^\| `([a-z0-9-]+)` \| (\w+) \|", report.read_text(), re.M))
    assert rows == EXPECTED, output[-3000:]
    assert "4 unsupported" in output, output[-3000:]
    reasons = re.findall(r"^SKIPPED \[\d+\] \S+ (.*)$", output, re.M)
    assert any(r.startswith("unsupported: NotImplementedError: recurrent") for r in reasons)
    assert any(r.startswith("unsupported: TextUnsupportedError:") for r in reasons)


class FutureOpUnsupported(RuntimeError):
    pass


class EngineSpecificError(UnsupportedLayerError):
    pass


@pytest.mark.parametrize(
    "error, unsupported",
    [
        (NotImplementedError("no GRU"), True),
        (FutureOpUnsupported("op"), True),
        (EngineSpecificError("layer", "GRU", "option"), True),
        (ValueError("bad shape"), False),
        (KeyError("kernel"), False),
        (RuntimeError("unsupported in the message only"), False),
    ],
)
def test_only_unsupported_errors_are_unsupported(error, unsupported):
    assert is_unsupported(error) is unsupported


def _report(case, when, outcome, reason="", **numbers):
    data = {"case": case, "family": "core", **numbers}
    longrepr = ("test_layers.py", 1, f"Skipped: {reason}") if outcome == "skipped" else None
    return SimpleNamespace(
        user_properties=[(PROPERTY, data)],
        when=when,
        failed=outcome == "failed",
        skipped=outcome == "skipped",
        longrepr=longrepr,
    )


def test_a_case_takes_the_worst_outcome_of_its_tests_and_the_largest_error():
    tally = Tally()
    for report in [
        _report("a", "setup", "passed"),
        _report("a", "call", "passed", max_abs=1e-7, max_rel=2e-7),
        _report("a", "call", "failed", max_abs=3e-3, max_rel=1e-6),
        _report("b", "call", "skipped", "unsupported: NotImplementedError: no"),
        _report("b", "call", "passed", max_abs=0.0, max_rel=0.0),
        _report("c", "call", "passed", max_abs=0.0, max_rel=0.0),
        _report("c", "call", "skipped", "this engine does not expose masks"),
        SimpleNamespace(user_properties=[], when="call", failed=True, skipped=False),
    ]:
        tally.add_report(report)

    a, b, c = (tally.cases[key] for key in "abc")
    assert (a.outcome, a.max_abs, a.max_rel) == ("failed", 3e-3, 1e-6)
    assert (b.outcome, b.notes) == ("unsupported", ["NotImplementedError: no"])
    assert c.outcome == "passed"
    assert tally.counts() == {"failed": 1, "unsupported": 1, "passed": 1}
    text = render_markdown(tally, "x:y")
    assert "| core | 3 | 1 | 1 | 1 | 0.003 (`a`) |" in text
    assert "Failed: `a`" in text and "Unsupported: `b`" in text

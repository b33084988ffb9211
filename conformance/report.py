"""The conformance report: per layer family, how many golden cases an engine passes.

`pytest --report FILE.md` writes a Markdown table per family (cases passed, failed and
unsupported, worst absolute and relative error, the ids of every case) and the run ends with a
short summary of it. The per-layer tests attach their numbers to their reports as a
`conformance` user property, which pytest-xdist carries from the workers to the controller;
only the controller aggregates and writes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from conformance.cases import CASES, FAMILIES
from reference.diff import differences
from reference.files import write_atomic

PROPERTY = "conformance"
UNSUPPORTED = "unsupported:"
_CASE_ORDER = {case.id: index for index, case in enumerate(CASES)}
# Outcomes from worst to best: a case takes the worst of its tests' outcomes.
_RANK = {"failed": 0, "unsupported": 1, "passed": 2}


def is_unsupported(error: BaseException) -> bool:
    """Whether an engine's exception means "this engine does not implement that", not a bug.

    NotImplementedError, and any exception with "Unsupported" in the name of its class or of
    one of its base classes (the reference engine's UnsupportedLayerError, or an engine's own).
    """
    if isinstance(error, NotImplementedError):
        return True
    return any("unsupported" in cls.__name__.lower() for cls in type(error).__mro__)


# (largest absolute, largest relative error), or None for arrays that cannot be compared; the
# same rules as the layer-by-layer diff of `python -m reference diff`.
error_stats = differences


@dataclass
class CaseResult:
    """The outcome of one catalogue case, over all of its tests (output and mask)."""

    case_id: str
    family: str
    outcome: str = "passed"
    max_abs: float | None = None
    max_rel: float | None = None
    notes: list[str] = field(default_factory=list)

    def add(self, outcome: str, max_abs=None, max_rel=None, note: str = "") -> None:
        if _RANK[outcome] < _RANK[self.outcome]:
            self.outcome = outcome
        if max_abs is not None:
            self.max_abs = max(self.max_abs or 0.0, max_abs)
            self.max_rel = max(self.max_rel or 0.0, max_rel)
        if note and note not in self.notes:
            self.notes.append(note)


class Tally:
    """Test reports folded into one result per catalogue case."""

    def __init__(self):
        self.cases: dict[str, CaseResult] = {}

    def add_report(self, report) -> None:
        """Folds in one pytest TestReport (from any phase); other tests' reports are ignored."""
        data = dict(report.user_properties).get(PROPERTY)
        if not isinstance(data, dict):
            return
        outcome = _outcome(report, data)
        if outcome is None:
            return
        result = self.cases.setdefault(data["case"], CaseResult(data["case"], data["family"]))
        note = "" if outcome == "passed" else _first_line(report)
        result.add(outcome, data.get("max_abs"), data.get("max_rel"), note)

    def by_family(self) -> dict[str, list[CaseResult]]:
        """Results grouped by family, families and cases in catalogue order."""
        grouped: dict[str, list[CaseResult]] = {family: [] for family in FAMILIES}
        for result in sorted(self.cases.values(), key=lambda r: _CASE_ORDER.get(r.case_id, 0)):
            grouped.setdefault(result.family, []).append(result)
        return {family: results for family, results in grouped.items() if results}

    def counts(self, results=None) -> dict[str, int]:
        results = self.cases.values() if results is None else results
        counts = dict.fromkeys(_RANK, 0)
        for result in results:
            counts[result.outcome] += 1
        return counts


def _outcome(report, data) -> str | None:
    """passed, failed or unsupported for a test's phase report; None when it says nothing."""
    if report.failed:
        return "failed"
    if report.skipped:
        if data.get("outcome") == "unsupported" or _skip_reason(report).startswith(UNSUPPORTED):
            return "unsupported"
        return None  # an optional check the engine cannot take part in (e.g. no masks)
    if report.when == "call":
        return "passed"
    return None


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, (tuple, list)) else str(longrepr or "")
    return reason.removeprefix("Skipped: ")


def _first_line(report) -> str:
    if report.skipped:
        return _skip_reason(report).removeprefix(UNSUPPORTED).strip()
    message = getattr(report.longrepr, "reprcrash", None)
    text = message.message if message is not None else str(report.longrepr or "")
    return text.strip().splitlines()[0] if text.strip() else report.when + " failed"


# ---------------------------------------------------------------------------------- output


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if math.isinf(value):
        return "inf"
    return "0" if value == 0 else f"{value:.2g}"


def _worst(results: list[CaseResult], key: str) -> str:
    measured = [r for r in results if getattr(r, key) is not None]
    if not measured:
        return "-"
    worst = max(measured, key=lambda r: getattr(r, key))
    value = getattr(worst, key)
    return _number(value) if value == 0 else f"{_number(value)} (`{worst.case_id}`)"


def _cell(text: str, limit: int = 160) -> str:
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_markdown(tally: Tally, engine: str) -> str:
    """The whole report as Markdown."""
    total = tally.counts()
    lines = [
        "# Conformance report",
        "",
        f"Engine: `{engine}`. Golden cases run: {len(tally.cases)} of {len(CASES)} in the "
        f"catalogue: **{total['passed']} passed, {total['failed']} failed, "
        f"{total['unsupported']} unsupported**.",
        "",
        "A case passes when its output (and output mask, where Keras has one) matches Keras "
        "within the case's tolerance (`conformance/tolerances.py`). Errors are the largest "
        "absolute and relative differences from Keras over the output; the relative one is "
        "taken where Keras's value is a normal float32 (not zero or subnormal).",
        "",
        "| Family | Cases | Passed | Failed | Unsupported | Worst abs error | Worst rel error |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    grouped = tally.by_family()
    for family, results in grouped.items():
        counts = tally.counts(results)
        lines.append(
            f"| {family} | {len(results)} | {counts['passed']} | {counts['failed']} | "
            f"{counts['unsupported']} | {_worst(results, 'max_abs')} | "
            f"{_worst(results, 'max_rel')} |"
        )
    for family, results in grouped.items():
        lines += ["", f"## {family}", ""]
        for outcome in ("failed", "unsupported"):
            ids = [r.case_id for r in results if r.outcome == outcome]
            if ids:
                lines.append(f"{outcome.capitalize()}: " + ", ".join(f"`{i}`" for i in ids))
                lines.append("")
        lines.append("| Case | Result | Max abs error | Max rel error | Note |")
        lines.append("|---|---|---|---|---|")
        for r in results:
            lines.append(
                f"| `{r.case_id}` | {r.outcome} | {_number(r.max_abs)} | {_number(r.max_rel)} | "
                f"{_cell('; '.join(r.notes))} |"
            )
    return "\n".join(lines) + "\n"


def summary_lines(tally: Tally, engine: str) -> list[str]:
    """A few lines for the end of the terminal output."""
    total = tally.counts()
    lines = [
        f"engine {engine}: {len(tally.cases)} golden cases, {total['passed']} passed, "
        f"{total['failed']} failed, {total['unsupported']} unsupported"
    ]
    for family, results in tally.by_family().items():
        counts = tally.counts(results)
        worst_abs, worst_rel = _max(results, "max_abs"), _max(results, "max_rel")
        lines.append(
            f"  {family:<11} {counts['passed']:>3} passed {counts['failed']:>3} failed "
            f"{counts['unsupported']:>3} unsupported   worst abs {_number(worst_abs)}, "
            f"rel {_number(worst_rel)}"
        )
    for outcome in ("failed", "unsupported"):
        ids = [r.case_id for r in tally.cases.values() if r.outcome == outcome]
        if ids:
            shown = ", ".join(ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")
            lines.append(f"  {outcome}: {shown}")
    return lines


def _max(results, key):
    values = [getattr(r, key) for r in results if getattr(r, key) is not None]
    return max(values) if values else None


# ---------------------------------------------------------------------------------- plugin


def add_options(parser) -> None:
    parser.addoption(
        "--report",
        metavar="FILE.md",
        default=None,
        help="write the conformance report (per layer family: passed, failed, unsupported, "
        "worst errors, case ids) to this Markdown file",
    )


def configure(config) -> None:
    """Registers the report plugin on the process that sees every test's report."""
    if hasattr(config, "workerinput"):
        return  # an xdist worker: its reports travel to the controller, which aggregates
    config.pluginmanager.register(ReportPlugin(config), "conformance-report")


class ReportPlugin:
    """Collects the per-layer tests' reports; summarises them and writes the report file."""

    def __init__(self, config):
        self.config = config
        self.tally = Tally()
        self.path = config.getoption("--report")

    @property
    def engine(self) -> str:
        return self.config.getoption("--engine")

    def pytest_runtest_logreport(self, report):
        self.tally.add_report(report)

    def pytest_sessionfinish(self, session):
        if self.path:
            write_atomic(self.path, render_markdown(self.tally, self.engine))

    def pytest_terminal_summary(self, terminalreporter):
        if not self.tally.cases:
            return
        terminalreporter.section("conformance")
        for line in summary_lines(self.tally, self.engine):
            terminalreporter.write_line(line)
        if self.path:
            terminalreporter.write_line(f"report written to {self.path}")

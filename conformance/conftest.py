"""Suite-wide options and fixtures: the engine under test, fixture integrity, the report."""

import importlib
from pathlib import Path

import pytest

from conformance import gate, manifest, report

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
DEFAULT_ENGINE = "reference:load_model"


def pytest_addoption(parser):
    parser.addoption(
        "--engine",
        default=DEFAULT_ENGINE,
        help="engine under test, as package.module:factory; factory(path) returns an object "
        f"with predict(x) (default: {DEFAULT_ENGINE})",
    )
    report.add_options(parser)


def pytest_configure(config):
    # Resolving --engine here, once, makes a mistyped engine stop the run with one message.
    resolve_engine(config.getoption("--engine"))
    report.configure(config)


def resolve_engine(spec):
    """The load_model function named by 'package.module:factory'."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise pytest.UsageError(f"--engine expects package.module:factory, found {spec!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise pytest.UsageError(f"--engine {spec!r}: cannot import {module_name!r}: {exc}") from exc
    factory = getattr(module, attribute, None)
    if not callable(factory):
        raise pytest.UsageError(f"--engine {spec!r}: {module_name} has no callable {attribute!r}")
    return factory


@pytest.fixture(scope="session")
def load_model(request):
    return resolve_engine(request.config.getoption("--engine"))


@pytest.fixture(scope="session")
def golden_problems():
    """Files under golden/ that do not match golden/manifest.json, keyed by relative path."""
    problems = {}
    for problem in manifest.verify(GOLDEN):
        # Each problem reads "<what>: <relative path>"; one without a path concerns them all.
        what, _, path = problem.rpartition(": ")
        problems[path if what and "/" in path else "*"] = problem
    return problems


@pytest.fixture(scope="session")
def golden_file(golden_problems):
    """A golden file's path, after checking it against the manifest; fails naming the file."""

    def check(relative):
        problem = golden_problems.get(relative) or golden_problems.get("*")
        if problem is not None:
            pytest.fail(f"fixture {relative} fails its manifest check: {problem}")
        path = GOLDEN / relative
        if not path.exists():
            pytest.fail(f"fixture {relative} is missing; regenerate with `nox -s golden`")
        return path

    return check


def _is_full_run(session):
    """Only an unfiltered run of the whole suite with the default engine may open the gate."""
    option = session.config.option
    selected = getattr(option, "keyword", "") or getattr(option, "markexpr", "")
    default_paths = session.config.args in ([], [str(Path(__file__).parent)], ["conformance"])
    return (
        not selected
        and not getattr(option, "deselect", None)
        and not getattr(option, "lf", False)
        and default_paths
        and session.config.getoption("--engine") == DEFAULT_ENGINE
    )


def pytest_sessionfinish(session, exitstatus):
    """Records a passing full run for the experiments' gate; a failing run clears the record."""
    if hasattr(session.config, "workerinput"):
        return  # an xdist worker; the controller decides
    if exitstatus == 0 and session.testscollected and _is_full_run(session):
        gate.record_pass(passed=session.testscollected - session.testsfailed)
    elif (
        exitstatus == pytest.ExitCode.TESTS_FAILED
        and session.config.getoption("--engine") == DEFAULT_ENGINE
    ):
        # Any failing run of this engine, filtered or not, shows the current code is not proven;
        # another engine failing (a mutant, an external engine) says nothing about it.
        gate.clear()

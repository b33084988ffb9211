"""Sessions: conformance, golden, evaluate, experiments, bench, lint."""

import nox

nox.options.sessions = ["lint", "conformance"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def conformance(session):
    """The conformance suite, in parallel.

    The per-layer and full-model tests need no TensorFlow (a test proves the engine runs
    without it); Keras is installed for the live differential tests and the experiments'
    smoke run, which must then run rather than skip. Extra arguments go to pytest, e.g.
    `nox -s conformance -- -k lstm` or `-- --engine mypackage.engine:load_model`.
    """
    # The experiments extra: Keras for the live tests, matplotlib for the experiments' smoke run.
    session.install("-e", ".[experiments]")
    session.env["CONFORMANCE_REQUIRE_KERAS"] = "1"
    session.run("pytest", "-n", "auto", *session.posargs)


@nox.session
def golden(session):
    """Regenerates golden/layers from Keras; `-- --check` compares instead of writing."""
    session.install("-e", ".[keras,test]")
    session.run("python", "-m", "conformance.capture", *session.posargs)


@nox.session
def evaluate(session):
    """Every golden model through the engine on its real test set, against Keras's predictions."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "reference", "evaluate", "--golden", *session.posargs)


@nox.session
def experiments(session):
    """The hyperparameter sweeps, then results/ if the conformance gate is open.

    Pick with posargs, e.g. `nox -s experiments -- --network lstm --sweep cells`; `-- --smoke`
    runs the whole pipeline on a few hundred samples; `-- --report-only` trains nothing.
    """
    session.install("-e", ".[experiments]")
    session.run("python", "-m", "experiments.run", *session.posargs)


@nox.session
def bench(session):
    """The engine against Keras, side by side in one run; writes results/bench/.

    `nox -s bench -- --quick` uses smaller inputs. Times are never asserted anywhere.
    """
    session.install("-e", ".[experiments]")
    session.run("python", "-m", "experiments.bench", *session.posargs)


@nox.session
def lint(session):
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")

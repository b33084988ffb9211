"""Mutation testing: every classic port bug in `conformance.mutants` fails some golden case.

A mutant that survives means the catalogue lacks a case: add one to `conformance/cases.py` and
capture it; never weaken the mutant.
"""

import importlib
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import reference
from conformance import mutants
from conformance.cases import CASES

ROOT = Path(__file__).resolve().parent.parent
MUTANTS_REPORT = ROOT / "results" / "mutants.md"


@pytest.mark.parametrize("name", sorted(mutants.MUTANTS))
def test_mutant_is_caught_by_a_golden_case(name, record_property):
    """Some case fails under the mutant; and running it changed nothing but its own layers."""
    before = _engine_state()
    caught = mutants.catches(name)
    changed = _changes(before, _engine_state())
    record_property("caught_by", sorted(caught))

    assert not changed, f"mutant {name} changed the engine itself, not just its layers: {changed}"
    assert caught, (
        f"mutant {name} ({mutants.MUTANTS[name].bug}) passes every golden case: add a case "
        "that exposes it to conformance/cases.py and capture it"
    )


def _engine_state():
    """Every attribute of the engine's modules and classes (with the items of dicts and lists)."""
    modules = [module for name, module in sys.modules.items() if name.startswith("reference")]
    owners = modules + [
        cls for module in modules for cls in vars(module).values() if isinstance(cls, type)
    ]
    state = {}
    for owner in owners:
        where = owner.__name__ if owner in modules else f"{owner.__module__}.{owner.__qualname__}"
        for key, value in vars(owner).items():
            if key == "__slotnames__":
                continue  # copy.deepcopy caches this on a class the first time it copies one
            items = tuple(value.items()) if isinstance(value, dict) else None
            items = tuple(value) if isinstance(value, list) else items
            state[f"{where}.{key}"] = (value, items)
    return state


def _changes(before, after):
    keys = before.keys() | after.keys()
    return sorted(
        key
        for key in keys
        if key not in before
        or key not in after
        or before[key][0] is not after[key][0]
        or before[key][1] != after[key][1]
    )[:5]


def test_every_mutant_is_an_engine_factory():
    """`--engine conformance.mutants:<name>` loads and runs a model; the engine stays intact."""
    module = importlib.import_module("conformance.mutants")
    before = _engine_state()
    for name, mutant in mutants.MUTANTS.items():
        case = next(case for case in CASES if set(mutant.classes) & _classes(case.layers))
        model = getattr(module, name)(str(mutants.GOLDEN / "layers" / f"{case.id}.keras"))
        assert callable(model.predict), name
        mutants.run_model(model, case)  # a mutant may crash on a case; that is a failure too
    changed = _changes(before, _engine_state())
    assert not changed, f"the mutants' factories changed the engine itself: {changed}"


def _npz(case):
    return mutants.GOLDEN / "layers" / f"{case.id}.npz"


def _classes(layers):
    """Layer class names of a case, wrapped layers included."""
    names = set()
    for name, kwargs in layers:
        names.add(name)
        for key in ("layer", "backward_layer"):
            if key in kwargs:
                names |= _classes([kwargs[key]])
    return names


GRU_CASES = [case for case in CASES if "GRU" in _classes(case.layers)]


@pytest.mark.parametrize("case", GRU_CASES, ids=[case.id for case in GRU_CASES])
def test_the_mutants_gru_step_without_a_mistake_is_the_engines(case):
    """So each GRU mutant differs from the engine by its one mistake only."""
    path = str(mutants.GOLDEN / "layers" / f"{case.id}.keras")
    model = reference.load_model(path)
    for layer in mutants._with_inner_layers(model.layers):
        if layer.class_name == "GRU":
            layer.step = mutants._gru_step(layer, reset_before=not layer.reset_after)
    x = np.load(_npz(case))["input"]
    np.testing.assert_allclose(
        model.predict(x), reference.load_model(path).predict(x), rtol=1e-6, atol=1e-7
    )


def test_the_committed_mutant_report_lists_every_mutant():
    """results/mutants.md is regenerated whenever a mutant is added, renamed or removed."""
    listed = re.findall(r"^## (\w+)$", MUTANTS_REPORT.read_text(encoding="utf-8"), re.M)
    assert sorted(listed) == sorted(mutants.MUTANTS), (
        "results/mutants.md is stale; run `python -m conformance.mutants --report "
        "results/mutants.md`"
    )

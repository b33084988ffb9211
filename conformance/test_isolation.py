"""The engine runs with NumPy and h5py alone: TensorFlow and Keras cannot even be imported."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BLOCKER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"tensorflow", "keras", "torch", "jax"}:
            raise ImportError(f"blocked import of {name}")
sys.meta_path.insert(0, Block())
"""

RUN = """
import glob, numpy as np, reference
paths = sorted(glob.glob("golden/layers/*.keras"))
assert paths, "no golden layer cases found"
for path in paths:
    with np.load(path[: -len(".keras")] + ".npz") as fixture:
        reference.load_model(path).predict(fixture["input"])
for path in sorted(glob.glob("golden/models/*.keras")):
    reference.load_model(path)
assert not [m for m in sys.modules if m.split(".")[0] in {"tensorflow", "keras"}]
print("loaded", len(paths))
"""


def test_engine_imports_and_runs_without_tensorflow_or_keras():
    result = subprocess.run(
        [sys.executable, "-c", BLOCKER + RUN],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "loaded" in result.stdout


def test_no_module_under_reference_names_tensorflow_or_keras_in_an_import():
    offenders = []
    for path in (ROOT / "reference").rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            words = line.split()
            if words[:1] in (["import"], ["from"]) and len(words) > 1:
                if words[1].split(".")[0] in {"tensorflow", "keras"}:
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, offenders

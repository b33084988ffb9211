"""Fixtures are checked against golden/manifest.json; a changed, missing or extra file is named."""

import shutil
from pathlib import Path

import pytest

from conformance import gate, manifest

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


@pytest.fixture
def golden_copy(tmp_path):
    """A copy of golden/layers and the manifest, trimmed to the files of three cases."""
    copy = tmp_path / "golden"
    (copy / "layers").mkdir(parents=True)
    for path in sorted((GOLDEN / "layers").iterdir())[:6]:
        shutil.copy(path, copy / "layers" / path.name)
    manifest.write_manifest(copy)
    assert manifest.verify(copy) == []
    return copy


def test_a_changed_fixture_is_named(golden_copy):
    victim = sorted((golden_copy / "layers").iterdir())[1]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    assert manifest.verify(golden_copy) == [f"hash mismatch: layers/{victim.name}"]


def test_a_missing_fixture_is_named(golden_copy):
    victim = sorted((golden_copy / "layers").iterdir())[2]
    victim.unlink()
    assert manifest.verify(golden_copy) == [f"listed but missing: layers/{victim.name}"]


def test_an_unlisted_fixture_is_named(golden_copy):
    (golden_copy / "layers" / "stray.npz").write_bytes(b"not a fixture")
    assert manifest.verify(golden_copy) == ["present but not listed: layers/stray.npz"]


def test_the_committed_fixtures_match_their_manifest():
    assert manifest.verify(GOLDEN) == []


def test_gate_fingerprint_changes_with_any_engine_file(tmp_path):
    """The experiments' gate sees an edit to the engine, the suite, the loaders or fixtures."""
    root = tmp_path / "repo"
    for folder in ("reference", "conformance", "datasets"):
        (root / folder).mkdir(parents=True)
        (root / folder / "a.py").write_text("x = 1\n")
    (root / "golden").mkdir()
    (root / "golden" / "manifest.json").write_text("{}")
    before = gate.fingerprint(root)
    for path in ("reference/a.py", "conformance/a.py", "datasets/a.py", "golden/manifest.json"):
        original = (root / path).read_text()
        (root / path).write_text(original + " ")
        assert gate.fingerprint(root) != before, path
        (root / path).write_text(original)
    assert gate.fingerprint(root) == before

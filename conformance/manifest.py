"""The golden manifest: versions that produced the fixtures and a SHA-256 for every golden file.

`python -m conformance.manifest` rewrites golden/manifest.json;
`python -m conformance.manifest --verify` prints every problem and exits 1 if there is any.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import importlib.metadata
import json
import platform
import sys
from pathlib import Path

import numpy as np

from conformance.cases import CASES
from reference.files import write_atomic

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
MANIFEST = "manifest.json"
FORMAT = 1


def _hash(path: Path) -> str:
    """SHA-256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def golden_files(golden_dir: Path) -> list[str]:
    """Every file under `golden_dir` as a relative POSIX path, sorted, except the manifest.

    Hidden files and folders are skipped: they are never fixtures, and atomic writers (capture
    and this module) stage their temporary files under hidden names.
    """
    found = []
    for path in golden_dir.rglob("*"):
        rel = path.relative_to(golden_dir)
        if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            continue
        if path.is_file() and rel.as_posix() != MANIFEST:
            found.append(rel.as_posix())
    return sorted(found)


def _installed(*distributions: str) -> str | None:
    """The version of the first of `distributions` that is installed, read without importing it."""
    for name in distributions:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def _read(golden_dir: Path) -> dict | None:
    """The current manifest, or None when there is none or it is not valid JSON."""
    try:
        return json.loads((golden_dir / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def write_manifest(golden_dir: Path = GOLDEN) -> Path:
    """Rewrite `golden_dir/manifest.json` atomically from the files now present."""
    golden_dir = Path(golden_dir)
    previous = _read(golden_dir) or {}
    files = golden_files(golden_dir)
    present = set(files)
    cases = {}
    for case in CASES:
        listed = [f for f in case.files if f in present]
        if listed:
            cases[case.id] = {"seed": case.seed, "family": case.family, "files": listed}
    manifest = {
        "format": FORMAT,
        # Keep the previous value when a package is not installed here, e.g. a NumPy-only run.
        "keras": _installed("keras") or previous.get("keras"),
        "tensorflow": _installed("tensorflow", "tensorflow-cpu") or previous.get("tensorflow"),
        "numpy": np.__version__,
        "python": platform.python_version(),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cases": cases,
        "files": {rel: _hash(golden_dir / rel) for rel in files},
    }
    target = golden_dir / MANIFEST
    write_atomic(target, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return target


def verify(golden_dir: Path = GOLDEN) -> list[str]:
    """Every disagreement between the manifest and the files under `golden_dir`; empty if none."""
    golden_dir = Path(golden_dir)
    manifest = _read(golden_dir)
    if manifest is None:
        return [f"{golden_dir / MANIFEST} is missing or not valid JSON"]
    if manifest.get("format") != FORMAT:
        return [f"manifest format {manifest.get('format')!r}, expected {FORMAT}"]
    problems = []
    listed = manifest.get("files", {})
    present = set(golden_files(golden_dir))
    for rel, digest in sorted(listed.items()):
        if rel not in present:
            problems.append(f"listed but missing: {rel}")
        elif _hash(golden_dir / rel) != digest:
            problems.append(f"hash mismatch: {rel}")
    for rel in sorted(present - set(listed)):
        problems.append(f"present but not listed: {rel}")
    for case_id, entry in sorted(manifest.get("cases", {}).items()):
        for rel in entry.get("files", []):
            if rel not in listed:
                problems.append(f"case {case_id} names a file the manifest does not hash: {rel}")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m conformance.manifest", description=__doc__)
    parser.add_argument("--verify", action="store_true", help="check instead of rewriting")
    parser.add_argument(
        "--golden", type=Path, default=GOLDEN, help="golden folder (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    if args.verify:
        problems = verify(args.golden)
        for problem in problems:
            print(problem)
        if not problems:
            print(f"manifest matches {len(golden_files(args.golden))} files")
        return 1 if problems else 0
    path = write_manifest(args.golden)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

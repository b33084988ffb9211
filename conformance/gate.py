"""The experiments' gate: results are written only after the conformance suite has passed on
exactly the current engine code, suite code, data loaders and fixtures.

A passing full run of the suite records a fingerprint (SHA-256 over the source files of the
engine, the suite and the data loaders, and golden/manifest.json) in .conformance/pass.json.
The gate recomputes the fingerprint and re-verifies every fixture against the manifest; any
edit since the passing run makes the record stale.
"""

import hashlib
import json
import time
from pathlib import Path

from conformance import manifest
from reference.files import write_atomic

ROOT = Path(__file__).resolve().parent.parent
STAMP = ROOT / ".conformance" / "pass.json"
FINGERPRINTED = ("reference", "conformance", "datasets")


class GateClosed(RuntimeError):
    """The conformance suite has not passed on the current code and fixtures."""


def fingerprint(root=ROOT):
    """SHA-256 over every .py file of the engine, the suite and the data loaders, and the
    fixture manifest."""
    root = Path(root)
    digest = hashlib.sha256()
    files = sorted(
        path
        for folder in FINGERPRINTED
        for path in (root / folder).rglob("*.py")
        if "__pycache__" not in path.parts
    )
    files.append(root / "golden" / "manifest.json")
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest() if path.exists() else b"-")
    return digest.hexdigest()


def record_pass(passed, root=ROOT, stamp=None):
    """Writes the record of a passing full run (atomically)."""
    stamp = Path(stamp or STAMP)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "fingerprint": fingerprint(root),
        "passed": passed,
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    write_atomic(stamp, json.dumps(record, indent=2))
    return record


def clear(stamp=None):
    Path(stamp or STAMP).unlink(missing_ok=True)


def check(root=ROOT, stamp=None):
    """Raises GateClosed, saying why, unless the suite passed on the current code and fixtures."""
    stamp = Path(stamp or STAMP)
    if not stamp.exists():
        raise GateClosed(
            f"no passing conformance run is recorded ({stamp} is missing); run "
            "`nox -s conformance` first"
        )
    try:
        record = json.loads(stamp.read_text())
        recorded = record["fingerprint"]
    except (ValueError, KeyError, TypeError) as exc:
        raise GateClosed(f"{stamp} is unreadable ({exc}); run `nox -s conformance` again") from exc
    current = fingerprint(root)
    if recorded != current:
        raise GateClosed(
            "the engine, the suite or the fixtures changed since conformance last passed "
            f"(recorded {recorded[:12]}, now {current[:12]}); run `nox -s conformance` again"
        )
    problems = manifest.verify(Path(root) / "golden")
    if problems:
        raise GateClosed(
            f"golden fixtures do not match their manifest: {problems[:3]}"
            + (f" and {len(problems) - 3} more" if len(problems) > 3 else "")
        )
    return record

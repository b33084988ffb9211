"""Property-based fuzzing of the model reader: whatever a file holds, only EngineError escapes.

Starts from valid golden models and mutates their bytes, their config.json, or their weights;
loading and running each mutant either works or raises an EngineError subclass.
"""

import io
import json
import random
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reference import EngineError, load_model

LAYERS = Path(__file__).resolve().parent.parent / "golden" / "layers"
BASES = [
    "conv2d-same-stride2-even-input",
    "bidirectional-gru-masked-mixed-padding-concat-return-sequences",
    "textvec-then-embedding-then-lstm-raw-strings",
    "embedding-mask-passes-through-dense",
]
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=8,
)


def _base(name):
    with np.load(LAYERS / f"{name}.npz") as fixture:
        x = fixture["input"]
    return (LAYERS / f"{name}.keras").read_bytes(), x


BASE_DATA = {name: _base(name) for name in BASES}


def _run(tmp_path, data, x):
    path = tmp_path / "fuzzed.keras"
    path.write_bytes(data)
    try:
        load_model(path).predict(x)
    except EngineError:
        pass  # the one kind of failure allowed


def _members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _paths(node, prefix=()):
    """Every (path of keys, value) inside a JSON document."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def _replace(node, path, value):
    if not path:
        return {} if value is _DELETE else value
    parent = node
    for key in path[:-1]:
        parent = parent[key]
    if value is _DELETE and isinstance(parent, dict):
        del parent[path[-1]]
    elif value is not _DELETE:
        parent[path[-1]] = value
    return node


_DELETE = object()


@pytest.mark.parametrize("base", BASES)
@FUZZ
@given(data=st.data())
def test_mutated_bytes_raise_only_engine_errors(tmp_path, base, data):
    original, x = BASE_DATA[base]
    mutated = bytearray(original)
    for _ in range(data.draw(st.integers(1, 8), label="edits")):
        kind = data.draw(st.sampled_from(["flip", "truncate", "insert", "zero"]), label="kind")
        at = data.draw(st.integers(0, max(len(mutated) - 1, 0)), label="at")
        if kind == "flip" and mutated:
            mutated[at] ^= 1 << data.draw(st.integers(0, 7))
        elif kind == "truncate":
            del mutated[at:]
        elif kind == "insert":
            mutated[at:at] = data.draw(st.binary(min_size=1, max_size=16))
        elif kind == "zero":
            mutated[at : at + 64] = bytes(len(mutated[at : at + 64]))
    _run(tmp_path, bytes(mutated), x)


@pytest.mark.parametrize("base", BASES)
@FUZZ
@given(data=st.data())
def test_mutated_configs_raise_only_engine_errors(tmp_path, base, data):
    original, x = BASE_DATA[base]
    members = _members(original)
    config = json.loads(members["config.json"])
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        paths = list(_paths(config))
        path = data.draw(st.sampled_from(paths), label="path")
        value = data.draw(st.just(_DELETE) | JSON_VALUES, label="value")
        config = _replace(config, path, value)
    members["config.json"] = json.dumps(config).encode()
    _run(tmp_path, _zip(members), x)


@pytest.mark.parametrize("base", BASES)
@FUZZ
@given(seed=st.integers(0, 2**32 - 1))
def test_mutated_members_raise_only_engine_errors(tmp_path, base, seed):
    """Whole members dropped, renamed, or replaced by another member's bytes."""
    original, x = BASE_DATA[base]
    members = _members(original)
    rng = random.Random(seed)
    names = sorted(members)
    victim = rng.choice(names)
    action = rng.choice(["drop", "rename", "swap", "empty"])
    if action == "drop":
        del members[victim]
    elif action == "rename":
        members[victim + rng.choice(["x", "/../y", ""])] = members.pop(victim)
    elif action == "swap":
        members[victim] = members[rng.choice(names)]
    else:
        members[victim] = b""
    _run(tmp_path, _zip(members), x)

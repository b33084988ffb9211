"""Reads a Keras 3 `.keras` archive in memory: config.json, model.weights.h5 and assets/.

Nothing is extracted to disk and nothing from the archive is imported or executed: the config
is parsed as JSON data, the weights are read as arrays, the assets as bytes.
"""

import io
import json
import os
import posixpath
import zipfile

import h5py
import numpy as np

from .errors import ModelFileError, WeightMismatchError

# A baseline model here is a few MB; anything far beyond these sizes is refused before it is
# read, so a hostile archive (a zip bomb) cannot exhaust memory.
MAX_MEMBER_BYTES = 2 * 1024**3
MAX_CONFIG_BYTES = 64 * 1024**2
MAX_MEMBERS = 10_000
CONFIG = "config.json"
WEIGHTS = "model.weights.h5"


class KerasArchive:
    """The parsed contents of one `.keras` file."""

    def __init__(self, path):
        self.path = os.fspath(path)
        members = self._read_members(self.path)
        self.config = self._parse_config(members)
        self.weights = WeightStore(members[WEIGHTS], self.path)
        self.assets = {name: data for name, data in members.items() if name.startswith("assets/")}

    @staticmethod
    def _read_members(path):
        if not os.path.exists(path):
            raise ModelFileError(f"model file not found: expected a .keras file at {path!r}")
        if os.path.isdir(path):
            raise ModelFileError(f"expected a .keras file, found a directory at {path!r}")
        if not zipfile.is_zipfile(path):
            with open(path, "rb") as handle:
                starts_like_zip = handle.read(4) == b"PK\x03\x04"
            if starts_like_zip:
                raise ModelFileError(
                    f"{path!r} is a corrupt or truncated archive: it starts like a zip file but "
                    "its directory at the end is missing or damaged"
                )
            raise ModelFileError(
                f"{path!r} is not a .keras archive: expected a zip file holding {CONFIG} and "
                f"{WEIGHTS} (legacy .h5 models and SavedModel folders are not supported)"
            )
        try:
            with zipfile.ZipFile(path) as archive:
                infos = archive.infolist()
                if len(infos) > MAX_MEMBERS:
                    raise ModelFileError(
                        f"{path!r} holds {len(infos)} members; expected at most {MAX_MEMBERS}"
                    )
                for info in infos:
                    _check_member(path, info)
                names = {info.filename for info in infos}
                for required in (CONFIG, WEIGHTS):
                    if required not in names:
                        raise ModelFileError(
                            f"{path!r} has no {required}; expected a Keras 3 .keras archive "
                            f"with {CONFIG} and {WEIGHTS}, found members {sorted(names)[:10]}"
                        )
                return {info.filename: archive.read(info) for info in infos if not info.is_dir()}
        except ModelFileError:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
            raise ModelFileError(f"{path!r} is a corrupt or truncated archive: {exc}") from exc
        except Exception as exc:  # zlib.error and other decoder failures on damaged members
            raise ModelFileError(f"{path!r} could not be decompressed: {exc!r}") from exc

    def _parse_config(self, members):
        raw = members[CONFIG]
        if len(raw) > MAX_CONFIG_BYTES:
            raise ModelFileError(f"{CONFIG} in {self.path!r} is {len(raw)} bytes; too large")
        try:
            config = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise ModelFileError(f"{CONFIG} in {self.path!r} is not valid JSON: {exc}") from exc
        if not isinstance(config, dict) or "class_name" not in config:
            raise ModelFileError(
                f"{CONFIG} in {self.path!r} is not a Keras model config: expected an object "
                f"with 'class_name' and 'config', found {type(config).__name__}"
            )
        return config

    def asset(self, layer_path, filename):
        """The bytes of assets/<layer_path>/<filename>, or None."""
        return self.assets.get(f"assets/{layer_path}/{filename}")


def _check_member(path, info):
    name = info.filename
    normalized = posixpath.normpath(name)
    if (
        name.startswith(("/", "\\"))
        or "\\" in name
        or normalized == ".."
        or normalized.startswith("../")
        or (len(name) > 1 and name[1] == ":")
    ):
        raise ModelFileError(
            f"{path!r} has an archive member with an unsafe path {name!r}; expected relative "
            "paths inside the archive"
        )
    if info.file_size > MAX_MEMBER_BYTES:
        raise ModelFileError(
            f"{path!r} member {name!r} claims {info.file_size} bytes; expected at most "
            f"{MAX_MEMBER_BYTES}"
        )
    if info.compress_size and info.file_size / info.compress_size > 1000:
        raise ModelFileError(
            f"{path!r} member {name!r} expands {info.file_size / info.compress_size:.0f}-fold; "
            "refused as a likely zip bomb"
        )


class WeightStore:
    """The arrays of model.weights.h5, found by layer name.

    Keras 3 stores each layer's variables under layers/<path>/vars/<index>, where <path> comes
    from the class name and a counter (dense, dense_1, ...) rather than the layer's own name;
    each vars group records the layer's name as an attribute, which is what we match on.
    """

    def __init__(self, data, path):
        self.path = path
        try:
            self.h5 = h5py.File(io.BytesIO(data), "r")
            layers = self.h5["layers"] if "layers" in self.h5 else None
            self.by_name = {}
            if layers is not None:
                for key, group in layers.items():
                    vars_group = group.get("vars")
                    name = vars_group.attrs.get("name") if vars_group is not None else None
                    if isinstance(name, bytes):
                        name = name.decode("utf-8", "replace")
                    self.by_name[str(name) if name is not None else key] = f"layers/{key}"
        except Exception as exc:  # h5py raises OSError, KeyError, ValueError on damaged files
            raise ModelFileError(
                f"{WEIGHTS} in {path!r} is not a readable HDF5 file: {exc}"
            ) from exc

    def layer_path(self, layer_name):
        """The group path (layers/<path>) holding a layer's weights, or None."""
        return self.by_name.get(layer_name)

    def variables(self, layer_name, subpath=""):
        """The arrays under <layer>/<subpath>/vars, in index order, as float32 or their dtype."""
        base = self.layer_path(layer_name)
        if base is None:
            raise WeightMismatchError(
                f"{WEIGHTS} in {self.path!r} has no weights for layer {layer_name!r}; found "
                f"weights for {sorted(self.by_name)}"
            )
        group_path = posixpath.join(base, subpath, "vars") if subpath else f"{base}/vars"
        try:
            group = self.h5[group_path]
            arrays = []
            for index in range(len(group)):
                dataset = group[str(index)]
                arrays.append(np.array(dataset[()]))
        except KeyError as exc:
            raise WeightMismatchError(
                f"{WEIGHTS} in {self.path!r}: expected {group_path} with numbered variables "
                f"for layer {layer_name!r}, it is missing or incomplete"
            ) from exc
        except Exception as exc:
            raise ModelFileError(
                f"{WEIGHTS} in {self.path!r}: cannot read {group_path}: {exc}"
            ) from exc
        return arrays


def expect_weights(arrays, shapes, layer_name, class_name):
    """Checks count and shapes of a layer's variables and returns them as float32 arrays."""
    if len(arrays) != len(shapes):
        raise WeightMismatchError(
            f"layer {layer_name!r} ({class_name}) expects {len(shapes)} weights with shapes "
            f"{[tuple(s) for s in shapes]}, found {len(arrays)} with shapes "
            f"{[a.shape for a in arrays]}"
        )
    out = []
    for i, (array, shape) in enumerate(zip(arrays, shapes)):
        if tuple(array.shape) != tuple(shape):
            raise WeightMismatchError(
                f"layer {layer_name!r} ({class_name}) weight {i} has shape {array.shape}, "
                f"expected {tuple(shape)}"
            )
        if array.dtype.kind not in "fiu":
            raise WeightMismatchError(
                f"layer {layer_name!r} ({class_name}) weight {i} has dtype {array.dtype}, "
                "expected a float array"
            )
        out.append(np.ascontiguousarray(array, dtype=np.float32))
    return out

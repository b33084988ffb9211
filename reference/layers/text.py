"""TextVectorization in "int" mode: raw strings in, token ids out, as TensorFlow computes them.

Quirks pinned here, each from TensorFlow's string ops:
- lowercasing touches ASCII letters only (tf.strings.lower without an encoding);
- punctuation stripping removes ASCII punctuation only, from a fixed character class;
- "whitespace" splitting breaks on runs of the six ASCII whitespace characters only;
- index 0 is padding (""), 1 is the out-of-vocabulary token, the vocabulary follows;
- sequences are padded with 0 or truncated at the end to output_sequence_length.
"""

import re

import numpy as np

from ..errors import ModelFileError, WeightMismatchError
from .base import Layer

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
_ASCII_WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")


class TextVectorization(Layer):
    """(batch,) or (batch, 1) strings -> (batch, output_sequence_length) int64 token ids."""

    class_name = "TextVectorization"

    def read_config(self, options):
        take = options.take
        self.max_tokens = take("max_tokens", kind=int, minimum=1, optional=True)
        self.standardize = take(
            "standardize",
            "lower_and_strip_punctuation",
            allowed={"lower_and_strip_punctuation", "lower", "strip_punctuation", None},
        )
        self.split = take("split", "whitespace", allowed={"whitespace", "character", None})
        take("ngrams", None, allowed={None})
        take("output_mode", "int", allowed={"int"})
        take("ragged", False, allowed={False})
        take("sparse", False, allowed={False})
        take("encoding", "utf-8", allowed={"utf-8", "UTF-8"})
        self.output_sequence_length = take(
            "output_sequence_length", kind=int, minimum=1, optional=True
        )
        self.config_vocabulary = take("vocabulary")
        options.ignore("pad_to_max_tokens", "idf_weights", "vocabulary_size")

    def build(self, input_shape, archive):
        tokens = self._vocabulary(archive)
        self.index = {token: i for i, token in reversed(list(enumerate(tokens)))}
        self.vocabulary = tokens
        self.output_shape = (None, self.output_sequence_length)
        return self.output_shape

    def _vocabulary(self, archive):
        """The full lookup table: "" (padding), the OOV token, then the vocabulary."""
        layer_path = archive.weights.layer_path(self.name)
        if layer_path is None and not isinstance(self.config_vocabulary, list):
            raise WeightMismatchError(
                f"layer {self.name!r} (TextVectorization): the weights file has no group for "
                "this layer, so its vocabulary cannot be found; do config.json and "
                "model.weights.h5 come from the same model?"
            )
        raw = archive.asset(layer_path, "vocabulary.txt") if layer_path else None
        if raw is not None:
            try:
                tokens = raw.decode("utf-8").split("\n")
            except UnicodeDecodeError as exc:
                raise ModelFileError(
                    f"layer {self.name!r} (TextVectorization): vocabulary.txt is not UTF-8: {exc}"
                ) from exc
        elif isinstance(self.config_vocabulary, list):
            if not all(isinstance(token, str) for token in self.config_vocabulary):
                raise ModelFileError(
                    f"layer {self.name!r} (TextVectorization): expected a vocabulary of strings, "
                    f"found {self.config_vocabulary[:5]!r}"
                )
            tokens = list(self.config_vocabulary)
            if tokens[:1] != [""]:
                tokens = ["", "[UNK]", *tokens]
        else:
            raise WeightMismatchError(
                f"layer {self.name!r} (TextVectorization): expected a vocabulary in "
                f"assets/{layer_path}/vocabulary.txt or in the config, found neither"
            )
        if len(tokens) < 2 or tokens[0] != "":
            raise WeightMismatchError(
                f"layer {self.name!r} (TextVectorization): expected a vocabulary that starts "
                f"with the padding token '' and an OOV token, found {tokens[:3]!r}"
            )
        if isinstance(self.max_tokens, int) and len(tokens) > self.max_tokens:
            raise WeightMismatchError(
                f"layer {self.name!r} (TextVectorization): vocabulary has {len(tokens)} "
                f"entries, more than max_tokens={self.max_tokens}"
            )
        return tokens

    def standardized(self, text):
        if self.standardize in ("lower", "lower_and_strip_punctuation"):
            text = text.translate(_ASCII_LOWER)
        if self.standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            text = _PUNCTUATION.sub("", text)
        return text

    def tokens(self, text):
        if self.split == "whitespace":
            return [t for t in _ASCII_WHITESPACE.split(text) if t]
        if self.split == "character":
            return list(text)
        return [text]

    def call(self, x, mask):
        rows = [
            [self.index.get(token, 1) for token in self.tokens(self.standardized(text))]
            for text in x
        ]
        length = self.output_sequence_length
        if length is None:
            length = max((len(row) for row in rows), default=0)
        ids = np.zeros((len(rows), length), np.int64)
        for i, row in enumerate(rows):
            row = row[:length]
            ids[i, : len(row)] = row
        return ids, None

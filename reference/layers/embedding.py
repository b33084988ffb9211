"""Embedding: token ids to vectors, and the mask that mask_zero=True starts."""

import numpy as np

from ..errors import InputError
from ..keras_file import expect_weights
from .base import Layer


class Embedding(Layer):
    """(batch, time) integer ids -> (batch, time, output_dim); mask = ids != 0 with mask_zero."""

    class_name = "Embedding"

    def read_config(self, options):
        self.input_dim = options.take("input_dim", kind=int, minimum=1)
        self.output_dim = options.take("output_dim", kind=int, minimum=1)
        self.mask_zero = options.take("mask_zero", False, kind=bool)
        options.ignore("input_length", "sparse", "lora_rank", "lora_alpha", "quantization_config")
        if options.config.get("quantization_config") or options.config.get("lora_rank"):
            options.unsupported("quantization_config/lora_rank", "set", "float32 weights only")

    def build(self, input_shape, archive):
        (self.embeddings,) = expect_weights(
            archive.weights.variables(self.name),
            [(self.input_dim, self.output_dim)],
            self.name,
            self.class_name,
        )
        self.output_shape = (*input_shape, self.output_dim)
        return self.output_shape

    def call(self, x, mask):
        ids = np.asarray(x)
        if ids.dtype.kind == "f":
            # Keras casts float ids to integers (truncating); NaN or infinity has no index.
            if not np.isfinite(ids).all():
                raise InputError(
                    f"layer {self.name!r} (Embedding) expects token ids, found NaN or infinity"
                )
            ids = ids.astype(np.int64)
        elif ids.dtype.kind not in "iub":
            raise InputError(
                f"layer {self.name!r} (Embedding) expects integer token ids, found dtype "
                f"{ids.dtype}"
            )
        if ids.size and (ids.min() < 0 or ids.max() >= self.input_dim):
            bad = ids[(ids < 0) | (ids >= self.input_dim)]
            raise InputError(
                f"layer {self.name!r} (Embedding) expects token ids in [0, {self.input_dim}), "
                f"found {int(bad.flat[0])} ({bad.size} ids out of range)"
            )
        y = self.embeddings[ids]
        return y, (ids != 0) if self.mask_zero else None

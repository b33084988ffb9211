"""2-D pooling: max and average over windows, and their global forms (channels_last)."""

import numpy as np

from ._windows import output_size, pad_spatial, same_padding
from .base import Layer, tuple_of


class _Pooling2D(Layer):
    """(batch, height, width, channels) -> (batch, out_h, out_w, channels)."""

    def read_config(self, options):
        take = options.take
        self.pool_size = tuple_of(take("pool_size", 2), 2, self.name, self.class_name, "pool_size")
        strides = take("strides")
        # Keras: strides=None means strides equal to pool_size.
        self.strides = (
            self.pool_size
            if strides is None
            else tuple_of(strides, 2, self.name, self.class_name, "strides")
        )
        self.padding = take("padding", "valid", allowed={"valid", "same"})
        take("data_format", "channels_last", allowed={"channels_last", None})

    def build(self, input_shape, archive):
        if len(input_shape) != 4:
            raise self.unsupported(f"expects a rank-4 input, found shape {input_shape}")
        self.output_shape = (None, *self._out_hw(input_shape[1], input_shape[2]), input_shape[3])
        return self.output_shape

    def _out_hw(self, height, width):
        return tuple(
            output_size(n, self.pool_size[i], self.strides[i], 1, self.padding)
            for i, n in enumerate((height, width))
        )

    def _reduce(self, x, pad_value, reduce):
        """Combines the cells of every window with reduce (np.maximum or np.add).

        Walks the window offsets, combining one strided view of the whole batch per offset:
        kh * kw vectorized operations instead of a reduction over a 6-D view.
        """
        out_h, out_w = self._out_hw(x.shape[1], x.shape[2])
        if out_h == 0 or out_w == 0:
            return np.zeros((x.shape[0], out_h, out_w, x.shape[3]), np.float32)
        padded = pad_spatial(x, self.pool_size, self.strides, (1, 1), self.padding, pad_value)
        (kh, kw), (sh, sw) = self.pool_size, self.strides
        result = None
        for i in range(kh):
            for j in range(kw):
                view = padded[
                    :, i : i + (out_h - 1) * sh + 1 : sh, j : j + (out_w - 1) * sw + 1 : sw
                ]
                if result is None:
                    result = np.array(view, dtype=np.float32)
                else:
                    reduce(result, view, out=result)
        return result


class MaxPooling2D(_Pooling2D):
    class_name = "MaxPooling2D"

    def call(self, x, mask):
        # Padding with -inf means a padded cell never wins, even when every real value is < 0.
        return self._reduce(x, -np.inf, np.maximum), None


class AveragePooling2D(_Pooling2D):
    class_name = "AveragePooling2D"

    def call(self, x, mask):
        sums = self._reduce(x, 0.0, np.add)
        if self.padding != "same":
            return sums / np.float32(self.pool_size[0] * self.pool_size[1]), None
        # TensorFlow divides by the number of real (unpadded) cells in each window.
        return sums / self._real_counts(x.shape[1], x.shape[2]), None

    def _real_counts(self, height, width):
        counts = []
        for axis, n in enumerate((height, width)):
            before, _ = same_padding(n, self.pool_size[axis], self.strides[axis], 1)
            out = output_size(n, self.pool_size[axis], self.strides[axis], 1, "same")
            starts = np.arange(out) * self.strides[axis] - before
            ends = starts + self.pool_size[axis]
            counts.append(np.minimum(ends, n) - np.maximum(starts, 0))
        return np.outer(counts[0], counts[1]).astype(np.float32)[None, :, :, None]


class _GlobalPooling2D(Layer):
    """(batch, height, width, channels) -> (batch, channels), or (batch, 1, 1, channels)."""

    def read_config(self, options):
        options.take("data_format", "channels_last", allowed={"channels_last", None})
        self.keepdims = options.take("keepdims", False, kind=bool)

    def build(self, input_shape, archive):
        if len(input_shape) != 4:
            raise self.unsupported(f"expects a rank-4 input, found shape {input_shape}")
        channels = input_shape[-1]
        self.output_shape = (None, 1, 1, channels) if self.keepdims else (None, channels)
        return self.output_shape


class GlobalAveragePooling2D(_GlobalPooling2D):
    class_name = "GlobalAveragePooling2D"

    def call(self, x, mask):
        return x.mean(axis=(1, 2), keepdims=self.keepdims, dtype=np.float32), None


class GlobalMaxPooling2D(_GlobalPooling2D):
    class_name = "GlobalMaxPooling2D"

    def call(self, x, mask):
        return x.max(axis=(1, 2), keepdims=self.keepdims), None

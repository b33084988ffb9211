"""Conv2D with channels_last data, TensorFlow's "same" padding rule."""

import numpy as np

from .. import activations
from ..keras_file import expect_weights
from ._windows import output_size, pad_spatial, windows
from .base import Layer, tuple_of

# Bytes of the column (im2col) matrix built at once: about the size of a core's L2 cache.
COLUMN_BYTES = 2 * 1024**2


class Conv2D(Layer):
    """(batch, height, width, channels) -> (batch, out_h, out_w, filters).

    The kernel is stored (kh, kw, in_channels, filters). Windows are gathered into one matrix
    (im2col) so the whole product is one matmul.
    """

    class_name = "Conv2D"

    def read_config(self, options):
        take = options.take
        self.filters = take("filters", kind=int, minimum=1)
        self.kernel_size = tuple_of(take("kernel_size"), 2, self.name, "Conv2D", "kernel_size")
        self.strides = tuple_of(take("strides", 1), 2, self.name, "Conv2D", "strides")
        self.dilation = tuple_of(take("dilation_rate", 1), 2, self.name, "Conv2D", "dilation_rate")
        self.padding = take("padding", "valid", allowed={"valid", "same"})
        take("data_format", "channels_last", allowed={"channels_last", None})
        take("groups", 1, allowed={1})
        self.use_bias = take("use_bias", True, kind=bool)
        self.activation = activations.get(take("activation"), self.name, "Conv2D")
        if max(self.strides) > 1 and max(self.dilation) > 1:
            options.unsupported(
                "strides/dilation_rate",
                (self.strides, self.dilation),
                "Keras itself refuses strides > 1 together with dilation_rate > 1",
            )
        options.ignore("lora_rank", "lora_alpha", "quantization_config")

    def build(self, input_shape, archive):
        if len(input_shape) != 4:
            raise self.unsupported(f"expects a rank-4 input, found shape {input_shape}")
        _, height, width, channels = input_shape
        kh, kw = self.kernel_size
        shapes = [(kh, kw, channels, self.filters)] + ([(self.filters,)] if self.use_bias else [])
        weights = expect_weights(archive.weights.variables(self.name), shapes, self.name, "Conv2D")
        self.kernel = weights[0].reshape(kh * kw * channels, self.filters)
        self.bias = weights[1] if self.use_bias else None
        self.out_hw = self._out_hw(height, width)
        self.output_shape = (None, *self.out_hw, self.filters)
        return self.output_shape

    def _out_hw(self, height, width):
        return tuple(
            output_size(n, self.kernel_size[i], self.strides[i], self.dilation[i], self.padding)
            for i, n in enumerate((height, width))
        )

    def call(self, x, mask):
        batch = x.shape[0]
        out_hw = self._out_hw(x.shape[1], x.shape[2])
        rows = out_hw[0] * out_hw[1]

        x = pad_spatial(x, self.kernel_size, self.strides, self.dilation, self.padding)
        patches = windows(x, self.kernel_size, self.strides, self.dilation, out_hw)

        # The column matrix is built a few images at a time, so it stays in cache between
        # being written and being read by the product.
        y = np.empty((batch, *out_hw, self.filters), np.float32)
        step = max(1, COLUMN_BYTES // max(1, 4 * rows * self.kernel.shape[0]))
        for start in range(0, batch, step):
            # Row order (kh, kw, channels) matches the kernel's reshape in build().
            columns = patches[start : start + step].reshape(-1, self.kernel.shape[0])
            np.matmul(columns, self.kernel, out=y[start : start + step].reshape(-1, self.filters))

        if self.bias is not None:
            y += self.bias
        return activations.apply(self.activation, y), None

    def scratch_elements(self, input_shape):
        kh, kw = self.kernel_size
        patches = self.out_hw[0] * self.out_hw[1] * kh * kw * input_shape[-1]
        return patches + super().scratch_elements(input_shape)

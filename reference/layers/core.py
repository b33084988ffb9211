"""Core layers: InputLayer, Dense, Dropout, Activation, Flatten."""

from .. import activations
from ..keras_file import expect_weights
from .base import Layer


class Dense(Layer):
    """y = activation(x @ kernel + bias) on the last axis, for inputs of any rank >= 2."""

    class_name = "Dense"

    def read_config(self, options):
        self.units = options.take("units", kind=int, minimum=1)
        self.use_bias = options.take("use_bias", True, kind=bool)
        self.activation = activations.get(options.take("activation"), self.name, "Dense")
        options.ignore("quantization_config", "lora_rank", "lora_alpha")
        if options.config.get("quantization_config") or options.config.get("lora_rank"):
            options.unsupported("quantization_config/lora_rank", "set", "float32 weights only")

    def build(self, input_shape, archive):
        features = input_shape[-1]
        arrays = archive.weights.variables(self.name)
        shapes = [(features, self.units)] + ([(self.units,)] if self.use_bias else [])
        weights = expect_weights(arrays, shapes, self.name, self.class_name)
        self.kernel = weights[0]
        self.bias = weights[1] if self.use_bias else None
        self.output_shape = (*input_shape[:-1], self.units)
        return self.output_shape

    def call(self, x, mask):
        # One 2-D product whatever the rank: (..., features) flattened to rows.
        y = (x.reshape(-1, x.shape[-1]) @ self.kernel).reshape(*x.shape[:-1], self.units)
        if self.bias is not None:
            y += self.bias
        return activations.apply(self.activation, y), mask


class Dropout(Layer):
    """Identity at inference."""

    class_name = "Dropout"

    def read_config(self, options):
        options.ignore("rate", "noise_shape")

    def build(self, input_shape, archive):
        self.output_shape = input_shape
        return input_shape

    def call(self, x, mask):
        return x, mask


class Activation(Layer):
    class_name = "Activation"

    def read_config(self, options):
        self.activation = activations.get(options.take("activation"), self.name, "Activation")

    def build(self, input_shape, archive):
        self.output_shape = input_shape
        return input_shape

    def call(self, x, mask):
        return self.activation(x), mask


class Flatten(Layer):
    """(batch, d1, d2, ...) -> (batch, d1 * d2 * ...), in channels_last (row-major) order."""

    class_name = "Flatten"

    def read_config(self, options):
        options.take("data_format", "channels_last", allowed={"channels_last", None})

    def build(self, input_shape, archive):
        size = 1
        for dim in input_shape[1:]:
            size *= dim
        self.output_shape = (None, size)
        return self.output_shape

    def call(self, x, mask):
        return x.reshape(x.shape[0], -1), None

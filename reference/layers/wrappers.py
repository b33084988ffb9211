"""Bidirectional: a forward and a backward recurrent layer over the same sequence, merged."""

import numpy as np

from .base import Layer


class Bidirectional(Layer):
    """Runs both directions and merges them by concat, sum, ave or mul.

    The backward layer walks the sequence from the end, so with return_sequences its outputs are
    reversed back to time order before merging; both directions output zeros at masked steps.
    """

    class_name = "Bidirectional"

    def read_config(self, options):
        from . import build_layer, recurrent

        self.merge_mode = options.take(
            "merge_mode", "concat", allowed={"concat", "sum", "ave", "mul"}
        )
        forward_config = options.take("layer")
        backward_config = options.take("backward_layer")
        if not isinstance(forward_config, dict):
            options.unsupported("layer", forward_config, "expected a serialized recurrent layer")
        if backward_config is None:
            backward_config = _backward_of(forward_config)

        self.forward = build_layer(forward_config)
        self.backward = build_layer(backward_config)
        for part, subpath in ((self.forward, "forward_layer"), (self.backward, "backward_layer")):
            if not isinstance(part, recurrent._Recurrent):
                options.unsupported("layer", part.class_name, "expected SimpleRNN, LSTM or GRU")
            part.weight_owner, part.weight_subpath = self.name, f"{subpath}/cell"
            part.zero_output_for_mask = part.return_sequences
        if self.forward.go_backwards == self.backward.go_backwards:
            options.unsupported(
                "backward_layer",
                backward_config.get("class_name"),
                "the two directions must differ in go_backwards",
            )
        if self.forward.return_sequences != self.backward.return_sequences:
            options.invalid(
                "backward_layer",
                backward_config.get("class_name"),
                "both directions must agree on return_sequences",
            )
        self.return_sequences = self.forward.return_sequences

    def build(self, input_shape, archive):
        forward_shape = self.forward.build(input_shape, archive)
        backward_shape = self.backward.build(input_shape, archive)
        width = forward_shape[-1]
        if self.merge_mode == "concat":
            width += backward_shape[-1]
        self.output_shape = (*forward_shape[:-1], width)
        return self.output_shape

    def call(self, x, mask):
        y, out_mask = self.forward.call(x, mask)
        y_rev, _ = self.backward.call(x, mask)
        if self.return_sequences:
            y_rev = y_rev[:, ::-1]

        if self.merge_mode == "concat":
            merged = np.concatenate([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            merged = y + y_rev
        elif self.merge_mode == "ave":
            merged = (y + y_rev) / np.float32(2)
        else:
            merged = y * y_rev
        return merged, out_mask

    def scratch_elements(self, input_shape):
        return 3 * self.forward.scratch_elements(input_shape)


def _backward_of(forward_config):
    config = dict(forward_config)
    inner = dict(config.get("config") or {})
    inner["go_backwards"] = not inner.get("go_backwards", False)
    inner["name"] = "backward_" + str(inner.get("name", "")).removeprefix("forward_")
    config["config"] = inner
    return config

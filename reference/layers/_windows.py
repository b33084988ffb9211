"""Sliding-window geometry shared by convolution and pooling, TensorFlow's rules."""

import numpy as np


def output_size(size, window, stride, dilation, padding):
    """Output length of one spatial axis.

    "valid" keeps only windows that fit; "same" gives ceil(size / stride) whatever the window.
    """
    effective = (window - 1) * dilation + 1
    if padding == "same":
        return -(-size // stride)
    return max((size - effective) // stride + 1, 0)


def same_padding(size, window, stride, dilation):
    """(before, after) padding of one axis for "same"; the odd cell goes after (TensorFlow)."""
    effective = (window - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def pad_spatial(x, window, strides, dilation, padding, value=0.0):
    """Pads (batch, height, width, channels) for "same"; returns x unchanged for "valid"."""
    if padding != "same":
        return x
    pads = [
        same_padding(x.shape[axis], window[i], strides[i], dilation[i])
        for i, axis in enumerate((1, 2))
    ]
    if not any(before or after for before, after in pads):
        return x
    return np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)), constant_values=value)


def windows(x, window, strides, dilation, out_hw):
    """A read-only view (batch, out_h, out_w, kh, kw, channels) of every window of x."""
    batch, _, _, channels = x.shape
    sb, sh, sw, sc = x.strides
    shape = (batch, out_hw[0], out_hw[1], window[0], window[1], channels)
    view_strides = (
        sb,
        sh * strides[0],
        sw * strides[1],
        sh * dilation[0],
        sw * dilation[1],
        sc,
    )
    return np.lib.stride_tricks.as_strided(x, shape, view_strides, writeable=False)

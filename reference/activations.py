"""Every activation that Keras 3 can name in a layer config, as Keras 3 defines it.

Each function maps a float32 array to a float32 array of the same shape (glu halves the last
axis). Definitions follow the TensorFlow backend of Keras 3, including its defaults:
hard_sigmoid is relu6(x + 3) / 6, gelu is the exact (erf) form, leaky_relu uses slope 0.2.
"""

import math

import numpy as np

from .errors import UnsupportedLayerError

_erf = np.frompyfunc(math.erf, 1, 1)


def linear(x):
    return x


def relu(x):
    return np.maximum(x, 0).astype(x.dtype, copy=False)


def relu6(x):
    return np.clip(x, 0, 6).astype(x.dtype, copy=False)


def leaky_relu(x, negative_slope=0.2):
    return np.where(x >= 0, x, x * np.float32(negative_slope)).astype(x.dtype, copy=False)


def sigmoid(x):
    return _sigmoid_in_place(np.array(x, dtype=np.result_type(x, np.float32)))


def _sigmoid_in_place(x):
    """1 / (1 + exp(-x)) written over x (one array, no temporaries)."""
    np.negative(x, out=x)
    # For x below about -88, exp(-x) overflows to inf and 1 / inf gives 0, the float32 limit.
    with np.errstate(over="ignore"):
        np.exp(x, out=x)
    x += 1
    return np.reciprocal(x, out=x)


def hard_sigmoid(x):
    return (relu6(x + np.float32(3)) / np.float32(6)).astype(x.dtype, copy=False)


def hard_silu(x):
    return x * hard_sigmoid(x)


def silu(x):
    return x * sigmoid(x)


def tanh(x):
    return np.tanh(x)


def tanh_shrink(x):
    return x - np.tanh(x)


def hard_tanh(x):
    return np.clip(x, -1, 1).astype(x.dtype, copy=False)


def softplus(x):
    # log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|)).
    return (np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))).astype(x.dtype, copy=False)


def log_sigmoid(x):
    return -softplus(-x)


def softsign(x):
    return x / (1 + np.abs(x))


def elu(x, alpha=1.0):
    with np.errstate(over="ignore"):
        negative = np.float32(alpha) * np.expm1(np.minimum(x, 0))
    return np.where(x > 0, x, negative).astype(x.dtype, copy=False)


def selu(x):
    alpha = np.float32(1.6732632423543772)
    scale = np.float32(1.0507009873554805)
    return (scale * np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))).astype(x.dtype)


def celu(x, alpha=1.0):
    alpha = np.float32(alpha)
    return (np.maximum(x, 0) + alpha * np.expm1(np.minimum(x, 0) / alpha)).astype(x.dtype)


def gelu(x, approximate=False):
    if approximate:
        inner = np.float32(math.sqrt(2 / math.pi)) * (x + np.float32(0.044715) * x**3)
        return (np.float32(0.5) * x * (1 + np.tanh(inner))).astype(x.dtype)
    # The exact form needs erf, which NumPy lacks; math.erf is exact in float64.
    cdf = 0.5 * (1.0 + _erf(x.astype(np.float64) / math.sqrt(2)).astype(np.float64))
    return (x * cdf).astype(x.dtype)


def mish(x):
    return x * np.tanh(softplus(x))


def exponential(x):
    with np.errstate(over="ignore"):
        return np.exp(x)


def squareplus(x, b=4):
    return ((x + np.sqrt(x * x + np.float32(b))) / np.float32(2)).astype(x.dtype)


def sparse_plus(x):
    middle = np.float32(0.25) * (x + 1) ** 2
    return np.where(x <= -1, 0, np.where(x < 1, middle, x)).astype(x.dtype)


def sparse_sigmoid(x):
    return np.where(x <= -1, 0, np.where(x >= 1, 1, np.float32(0.5) * (x + 1))).astype(x.dtype)


def soft_shrink(x, threshold=0.5):
    t = np.float32(threshold)
    return np.where(x > t, x - t, np.where(x < -t, x + t, 0)).astype(x.dtype)


def hard_shrink(x, threshold=0.5):
    return np.where(np.abs(x) > np.float32(threshold), x, 0).astype(x.dtype)


def softmax(x, axis=-1):
    # Subtracting the maximum keeps exp finite; the result is unchanged mathematically.
    shifted = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def sparsemax(x, axis=-1):
    x = np.moveaxis(x, axis, -1)
    z = -np.sort(-x, axis=-1)
    cumsum = np.cumsum(z, axis=-1)
    k = np.arange(1, x.shape[-1] + 1, dtype=x.dtype)
    support = z - (cumsum - 1) / k > 0
    count = np.sum(support, axis=-1, keepdims=True).astype(x.dtype)
    tau = (np.sum(np.where(support, cumsum, 0), axis=-1, keepdims=True) - 1) / count
    return np.moveaxis(np.maximum(x - tau, 0), -1, axis).astype(x.dtype)


def glu(x, axis=-1):
    if x.shape[axis] % 2:
        raise ValueError(f"glu needs an even size on axis {axis}, found shape {x.shape}")
    a, b = np.split(x, 2, axis=axis)
    return a * sigmoid(b)


ACTIVATIONS = {
    "linear": linear,
    "relu": relu,
    "relu6": relu6,
    "leaky_relu": leaky_relu,
    "sigmoid": sigmoid,
    "hard_sigmoid": hard_sigmoid,
    "hard_silu": hard_silu,
    "hard_swish": hard_silu,
    "silu": silu,
    "swish": silu,
    "tanh": tanh,
    "tanh_shrink": tanh_shrink,
    "hard_tanh": hard_tanh,
    "softplus": softplus,
    "log_sigmoid": log_sigmoid,
    "softsign": softsign,
    "elu": elu,
    "selu": selu,
    "celu": celu,
    "gelu": gelu,
    "mish": mish,
    "exponential": exponential,
    "squareplus": squareplus,
    "sparse_plus": sparse_plus,
    "sparse_sigmoid": sparse_sigmoid,
    "soft_shrink": soft_shrink,
    "hard_shrink": hard_shrink,
    "softmax": softmax,
    "log_softmax": log_softmax,
    "sparsemax": sparsemax,
    "glu": glu,
}


def _relu_in_place(x):
    return np.maximum(x, 0, out=x)


def _tanh_in_place(x):
    return np.tanh(x, out=x)


# Activations that can overwrite a freshly computed product instead of allocating another array.
# Fewer fresh arrays matter more than they seem: a large array freed and allocated again is often
# handed back to the operating system and page-faulted in anew, which costs more than the
# arithmetic on it.
_IN_PLACE = {
    linear: linear,
    relu: _relu_in_place,
    sigmoid: _sigmoid_in_place,
    tanh: _tanh_in_place,
}


def fresh(activation, x):
    """activation(x) in memory of its own, never x or a view of it (linear returns its input)."""
    y = activation(x)
    return y.copy() if np.may_share_memory(y, x) else y


def apply(activation, x):
    """activation(x), reusing x's memory when the activation allows; x must be a fresh array."""
    return _IN_PLACE.get(activation, activation)(x)


# Functions that act on each element alone; the others (softmax and kin) couple an axis.
ELEMENTWISE = frozenset(ACTIVATIONS.values()) - {softmax, log_softmax, sparsemax, glu}


def get(identifier, layer_name="?", class_name="?"):
    """The activation function a config names; None and "linear" are the identity.

    Keras writes an activation either as a plain name or as a serialized function
    ({"class_name": "function", "config": "relu", ...}); anything else, such as a custom
    object, is refused without being imported or run.
    """
    if identifier is None:
        return linear
    name = identifier
    if isinstance(identifier, dict):
        is_builtin = identifier.get("class_name") == "function" and identifier.get(
            "module", "keras.activations"
        ) in ("keras.activations", "keras.src.activations.activations")
        name = identifier.get("config") if is_builtin else None
    if isinstance(name, str) and name in ACTIVATIONS:
        return ACTIVATIONS[name]
    raise UnsupportedLayerError(
        layer_name,
        class_name,
        f"activation {identifier!r} is not supported; expected one of {sorted(ACTIVATIONS)}",
    )

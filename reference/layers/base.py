"""What every layer shares: reading its config options, and the interface the model calls."""

from ..errors import ModelFileError, UnsupportedLayerError

# Config keys that only matter while training or saving; they never change a forward pass.
TRAINING_ONLY_SUFFIXES = ("_initializer", "_regularizer", "_constraint")
TRAINING_ONLY_KEYS = {"name", "trainable", "dtype", "seed", "activity_regularizer"}


class Options:
    """A layer config read key by key, so that no option is silently ignored.

    Layers take() the keys they implement; finish() then refuses any other key whose value is
    set (not None, False, 0 or empty), since ignoring it could change the output.
    """

    def __init__(self, layer_name, class_name, config):
        self.layer_name = layer_name
        self.class_name = class_name
        self.config = dict(config)
        self.used = set()

    def take(self, key, default=None, allowed=None, kind=None, minimum=None, optional=False):
        """The value of a config key, checked against allowed values or a type and minimum.

        kind is int, bool or str; optional lets None through as well.
        """
        self.used.add(key)
        value = self.config.get(key, default)
        if value is None and optional:
            return value
        if allowed is not None and value not in allowed:
            self.unsupported(key, value, f"supported: {sorted(map(repr, allowed))}")
        if kind is not None:
            # bool is an int in Python; a config's true/false must not pass as a count.
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                self.invalid(key, value, f"expected {'an' if kind is int else 'a'} {kind.__name__}")
            if minimum is not None and value < minimum:
                self.invalid(key, value, f"expected at least {minimum}")
        return value

    def invalid(self, key, value, expected):
        raise ModelFileError(
            f"layer {self.layer_name!r} ({self.class_name}): option {key}={value!r} is invalid; "
            f"{expected}"
        )

    def ignore(self, *keys):
        """Marks keys that are read but have no effect at inference (dropout rates, unroll)."""
        self.used.update(keys)

    def unsupported(self, key, value, expected):
        raise UnsupportedLayerError(
            self.layer_name, self.class_name, f"option {key}={value!r} is not supported; {expected}"
        )

    def finish(self):
        self._check_dtype()
        for key, value in self.config.items():
            if key in self.used or key in TRAINING_ONLY_KEYS:
                continue
            if key.endswith(TRAINING_ONLY_SUFFIXES):
                continue
            if value in (None, False, 0, "", [], {}):
                continue
            self.unsupported(key, value, "the engine does not implement this option")

    def _check_dtype(self):
        dtype = self.config.get("dtype")
        name = dtype
        if isinstance(dtype, dict):
            name = (dtype.get("config") or {}).get("name")
        if name not in (None, "float32"):
            self.unsupported("dtype", name, "the engine computes in float32 only")


def tuple_of(value, rank, layer_name, class_name, key):
    """A positive int or a list of them from a config, as a tuple of `rank` ints."""
    values = (value,) * rank if isinstance(value, int) else value
    if (
        isinstance(values, (list, tuple))
        and len(values) == rank
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in values)
    ):
        return tuple(values)
    raise ModelFileError(
        f"layer {layer_name!r} ({class_name}): option {key}={value!r} is invalid; expected a "
        f"positive int or {rank} positive ints"
    )


class Layer:
    """One Keras layer's forward pass at inference.

    The model calls build() once with the input shape (batch dimension None) and the archive,
    then call() on each chunk of a batch. call() takes and returns (tensor, mask); the mask is a
    bool array of shape (batch, time) or None.
    """

    class_name = "?"

    def __init__(self, name, config):
        self.name = name
        self.options = Options(name, self.class_name, config)
        self.read_config(self.options)
        self.options.finish()

    def read_config(self, options):
        """Reads the config keys this layer implements."""

    def build(self, input_shape, archive):
        """Loads and checks weights; returns the output shape (batch dimension None)."""
        return input_shape

    def call(self, x, mask):
        raise NotImplementedError

    def scratch_elements(self, input_shape):
        """Largest number of float32 elements one sample needs while this layer runs."""
        return max(_size(input_shape), _size(self.output_shape))

    def unsupported(self, detail):
        return UnsupportedLayerError(self.name, self.class_name, detail)


def _size(shape):
    size = 1
    for dim in shape[1:]:
        size *= dim if dim else 1
    return size

"""The errors the engine raises; every message says what was expected and what was found."""


class EngineError(Exception):
    """Base class of every error the reference engine raises on purpose."""


class ModelFileError(EngineError):
    """The model file is missing, unreadable, corrupt, or unsafe to read."""


class UnsupportedLayerError(EngineError):
    """A layer class, or an option of a layer, that the engine does not implement."""

    def __init__(self, layer_name, class_name, detail):
        self.layer_name = layer_name
        self.class_name = class_name
        self.detail = detail
        super().__init__(f"layer {layer_name!r} ({class_name}): {detail}")


class WeightMismatchError(EngineError):
    """The weights file lacks a weight, or a weight does not fit its layer."""


class InputError(EngineError):
    """The input has the wrong shape, dtype, or kind for the model."""

"""The layer registry: Keras class names to the engine's layer classes."""

from ..errors import UnsupportedLayerError
from .convolution import Conv2D
from .core import Activation, Dense, Dropout, Flatten
from .embedding import Embedding
from .pooling import AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D
from .recurrent import GRU, LSTM, SimpleRNN
from .text import TextVectorization
from .wrappers import Bidirectional

REGISTRY = {
    cls.class_name: cls
    for cls in (
        Activation,
        AveragePooling2D,
        Bidirectional,
        Conv2D,
        Dense,
        Dropout,
        Embedding,
        Flatten,
        GlobalAveragePooling2D,
        GlobalMaxPooling2D,
        GRU,
        LSTM,
        MaxPooling2D,
        SimpleRNN,
        TextVectorization,
    )
}
# Keras 3 accepts these spellings in configs as aliases of the same classes.
ALIASES = {
    "Convolution2D": "Conv2D",
    "MaxPool2D": "MaxPooling2D",
    "AvgPool2D": "AveragePooling2D",
    "GlobalAvgPool2D": "GlobalAveragePooling2D",
    "GlobalMaxPool2D": "GlobalMaxPooling2D",
}
CODE_LAYERS = {"Lambda", "TFSMLayer", "TorchModuleWrapper", "JaxLayer", "FlaxLayer"}


def build_layer(layer_config):
    """A layer from its serialized config; custom and code-carrying layers are refused."""
    if not isinstance(layer_config, dict):
        raise UnsupportedLayerError(
            "?", "?", f"expected a layer config object, found {layer_config!r}"
        )
    class_name = layer_config.get("class_name")
    config = layer_config.get("config")
    name = (
        (config or {}).get("name", layer_config.get("name", "?"))
        if isinstance(config, dict)
        else "?"
    )
    if not isinstance(class_name, str) or not isinstance(config, dict):
        raise UnsupportedLayerError(
            name, str(class_name), "expected 'class_name' (a string) and 'config' (an object)"
        )
    if class_name in CODE_LAYERS:
        raise UnsupportedLayerError(
            name,
            class_name,
            "this layer carries Python code; the engine never runs code from a model file",
        )
    module = layer_config.get("module")
    registered = layer_config.get("registered_name")
    is_builtin = (module is None or str(module).startswith("keras.")) and registered in (
        None,
        class_name,
    )
    if not is_builtin:
        raise UnsupportedLayerError(
            name,
            class_name,
            f"custom object (module={module!r}, registered_name={registered!r}) refused; the "
            "engine only knows built-in Keras layers and never imports code from a model file",
        )
    cls = REGISTRY.get(ALIASES.get(class_name, class_name))
    if cls is None:
        raise UnsupportedLayerError(
            name, class_name, f"layer class not supported; supported: {sorted(REGISTRY)}"
        )
    return cls(name, config)

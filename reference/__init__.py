"""A NumPy reference engine for the forward pass of Keras 3 models.

from reference import load_model
model = load_model("model.keras")
probs = model.predict(x)
"""

from .errors import (
    EngineError,
    InputError,
    ModelFileError,
    UnsupportedLayerError,
    WeightMismatchError,
)
from .model import Model, load_model

__all__ = [
    "EngineError",
    "InputError",
    "Model",
    "ModelFileError",
    "UnsupportedLayerError",
    "WeightMismatchError",
    "load_model",
]

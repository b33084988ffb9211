"""An example external engine: the reference engine without recurrent layers or text.

    python -m pytest conformance/test_layers.py \\
        --engine conformance.examples.no_recurrent:load_model --report report.md

It shows the interface the suite needs (a factory taking a .keras path and returning an object
with `predict(x)`) and the two ways an engine says "unsupported" so that the suite skips the
case as unsupported instead of failing it: NotImplementedError, raised here at load time for
recurrent layers, and an exception class of the engine's own whose name contains
"Unsupported", raised here at predict time for raw-string input.
"""

import reference

RECURRENT = {"SimpleRNN", "LSTM", "GRU", "Bidirectional"}


class TextUnsupportedError(Exception):
    """This engine's error for text input; the suite recognises it by its name alone."""


class Engine:
    """The smallest interface the suite accepts: predict only (so no mask checks)."""

    def __init__(self, model):
        self._model = model

    def predict(self, x):
        if self._model.takes_text:
            raise TextUnsupportedError("this engine does not take raw strings")
        return self._model.predict(x)


def load_model(path):
    """The engine's factory: refuses recurrent layers, wraps the reference engine otherwise."""
    model = reference.load_model(path)
    recurrent = sorted({layer.class_name for layer in model.layers} & RECURRENT)
    if recurrent:
        raise NotImplementedError(f"recurrent layers are not implemented: {', '.join(recurrent)}")
    return Engine(model)

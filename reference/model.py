"""Model: builds the layers a .keras config describes and runs their forward pass in chunks."""

import numpy as np

from .errors import InputError, ModelFileError, UnsupportedLayerError
from .keras_file import KerasArchive
from .layers import build_layer

# Intermediate tensors of one chunk stay under this many bytes, whatever batch_size a caller
# asks for; a chunk is never smaller than one sample.
CHUNK_BYTES = 192 * 1024**2
DEFAULT_BATCH = 1024
NUMERIC_DTYPES = {
    "float16",
    "float32",
    "float64",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "bool",
}


def load_model(path):
    """Reads a Keras 3 .keras file; runs no code from it."""
    return Model(KerasArchive(path))


class Step:
    """One layer applied to an earlier tensor, with an optional explicit mask source."""

    def __init__(self, layer, source, mask_source=None):
        self.layer, self.source, self.mask_source = layer, source, mask_source


class Model:
    """A chain of layers read from a .keras archive.

    Sequential models, and functional models whose layers form a chain (Keras may record the
    mask of Embedding(mask_zero=True) as a separate NotEqual node, which is honoured).
    """

    def __init__(self, archive):
        self.path = archive.path
        config = archive.config
        class_name = config.get("class_name")
        inner = config.get("config")
        if not isinstance(inner, dict):
            raise ModelFileError(f"config.json in {self.path!r}: 'config' is not an object")
        self.name = str(inner.get("name", "model"))
        if class_name not in ("Sequential", "Functional", "Model"):
            raise UnsupportedLayerError(
                self.name,
                str(class_name),
                "expected a Sequential or Functional model (subclassed models carry code)",
            )
        try:
            if class_name == "Sequential":
                self._read_sequential(inner)
            else:
                self._read_functional(inner)
            self._build(archive)
        except (
            TypeError,
            ValueError,
            KeyError,
            AttributeError,
            IndexError,
            ArithmeticError,
        ) as exc:
            # A config of the right overall form whose values make no sense (a list where a
            # number belongs, say): report it as a bad file, never as a crash of the engine.
            raise ModelFileError(
                f"config.json in {self.path!r} does not describe a model the engine can build: "
                f"{type(exc).__name__}: {exc}"
            ) from exc

    # Reading the config -------------------------------------------------------------------

    def _read_sequential(self, config):
        layer_configs = config.get("layers")
        if not isinstance(layer_configs, list):
            raise ModelFileError(f"config.json in {self.path!r}: Sequential without a layer list")
        self.input_shape, self.input_dtype = None, "float32"
        self.steps = []
        for layer_config in layer_configs:
            if isinstance(layer_config, dict) and layer_config.get("class_name") == "InputLayer":
                self._read_input_layer(layer_config)
                continue
            source = self.steps[-1].layer.name if self.steps else None
            self.steps.append(Step(build_layer(layer_config), source))
        if self.input_shape is None:
            shape = config.get("build_input_shape")
            if not isinstance(shape, list):
                raise ModelFileError(
                    f"config.json in {self.path!r}: no InputLayer and no build_input_shape, so "
                    "the input shape is unknown"
                )
            self.input_shape = tuple(shape)
        if not self.steps:
            raise ModelFileError(f"config.json in {self.path!r}: the model has no layers")

    def _read_input_layer(self, layer_config):
        config = layer_config.get("config") or {}
        shape = config.get("batch_shape") or config.get("batch_input_shape")
        if not isinstance(shape, list):
            raise ModelFileError(f"config.json in {self.path!r}: InputLayer without batch_shape")
        self.input_shape = tuple(shape)
        self.input_dtype = config.get("dtype") or "float32"
        if isinstance(self.input_dtype, dict):
            self.input_dtype = (self.input_dtype.get("config") or {}).get("name", "float32")
        known = NUMERIC_DTYPES | {"string"}
        if not isinstance(self.input_dtype, str) or self.input_dtype not in known:
            raise UnsupportedLayerError(
                str(config.get("name", "input")),
                "InputLayer",
                f"input dtype {self.input_dtype!r}; expected one of {sorted(known)}",
            )
        if not all(d is None or (isinstance(d, int) and d >= 0) for d in self.input_shape):
            raise ModelFileError(
                f"config.json in {self.path!r}: InputLayer batch_shape {shape!r} is not a list "
                "of sizes"
            )
        if config.get("sparse") or config.get("ragged"):
            raise UnsupportedLayerError(
                config.get("name", "input"), "InputLayer", "sparse or ragged inputs"
            )

    def _read_functional(self, config):
        layer_configs = config.get("layers")
        if not isinstance(layer_configs, list):
            raise ModelFileError(f"config.json in {self.path!r}: Functional without a layer list")
        inputs, outputs = config.get("input_layers"), config.get("output_layers")
        if _count_tensors(inputs) != 1 or _count_tensors(outputs) != 1:
            raise UnsupportedLayerError(
                self.name,
                "Functional",
                f"expected one input and one output, found inputs={inputs} outputs={outputs}",
            )
        self.input_shape, self.input_dtype = None, "float32"
        self.steps, self.mask_ops = [], {}
        for layer_config in layer_configs:
            if not isinstance(layer_config, dict):
                raise ModelFileError(f"config.json in {self.path!r}: a layer is not an object")
            class_name = layer_config.get("class_name")
            name = layer_config.get("name") or (layer_config.get("config") or {}).get("name")
            nodes = layer_config.get("inbound_nodes") or []
            if class_name == "InputLayer":
                self._read_input_layer(layer_config)
                self.input_name = name
                continue
            if len(nodes) != 1:
                raise UnsupportedLayerError(
                    name,
                    str(class_name),
                    f"expected to be called once in a chain, found {len(nodes)} calls",
                )
            args, kwargs = nodes[0].get("args") or [], nodes[0].get("kwargs") or {}
            if class_name == "NotEqual" and str(layer_config.get("module", "")).startswith(
                "keras.src.ops"
            ):
                self.mask_ops[name] = (_history(args[0], name), args[1] if len(args) > 1 else 0)
                continue
            tensor_args = [a for a in args if isinstance(a, dict)]
            if len(tensor_args) != 1:
                raise UnsupportedLayerError(
                    name, str(class_name), f"expected one input tensor, found {len(tensor_args)}"
                )
            extra = set(kwargs) - {"mask", "training"}
            if extra:
                raise UnsupportedLayerError(
                    name, str(class_name), f"call arguments {sorted(extra)}"
                )
            mask_source = (
                _history(kwargs["mask"], name) if isinstance(kwargs.get("mask"), dict) else None
            )
            self.steps.append(
                Step(build_layer(layer_config), _history(tensor_args[0], name), mask_source)
            )
        if self.input_shape is None:
            raise ModelFileError(f"config.json in {self.path!r}: Functional without an InputLayer")
        self._check_chain(_first_tensor(outputs))

    def _check_chain(self, output_name):
        previous = self.input_name
        for step in self.steps:
            if step.source != previous:
                raise UnsupportedLayerError(
                    step.layer.name,
                    step.layer.class_name,
                    f"the layers do not form a chain: it reads {step.source!r}, expected "
                    f"{previous!r}",
                )
            if step.mask_source is not None and step.mask_source not in self.mask_ops:
                raise UnsupportedLayerError(
                    step.layer.name,
                    step.layer.class_name,
                    f"mask from {step.mask_source!r}, expected a NotEqual mask node",
                )
            previous = step.layer.name
        if previous != output_name:
            raise UnsupportedLayerError(
                self.name, "Functional", f"the output is {output_name!r}, expected {previous!r}"
            )
        self.steps[0].source = None
        names = [None] + [step.layer.name for step in self.steps]
        for op_name, (source, _) in self.mask_ops.items():
            if source not in names and source != self.input_name:
                raise UnsupportedLayerError(op_name, "NotEqual", f"reads unknown {source!r}")

    def _build(self, archive):
        shape = tuple(self.input_shape)
        self.layers = [step.layer for step in self.steps]
        input_name = getattr(self, "input_name", None)
        self.mask_inputs = {
            None if source == input_name else source
            for source, _ in getattr(self, "mask_ops", {}).values()
        }
        self.shapes = [shape]
        for layer in self.layers:
            shape = tuple(layer.build(shape, archive))
            self.shapes.append(shape)
        scratch = max(
            layer.scratch_elements(in_shape) for layer, in_shape in zip(self.layers, self.shapes)
        )
        # Three live tensors of the largest size (input, product, activation) per sample.
        self.chunk_limit = max(1, CHUNK_BYTES // (12 * max(scratch, 1)))

    # Running ------------------------------------------------------------------------------

    @property
    def takes_text(self):
        return self.input_dtype == "string"

    def predict(self, x, batch_size=None):
        """Output of the model for a batch, as keras_model.predict(x) returns it."""
        output, _ = self.predict_with_mask(x, batch_size)
        return output

    def predict_with_mask(self, x, batch_size=None):
        """(output, mask): the mask the last layer carries, or None."""
        outputs, masks = [], []
        for chunk_outputs, chunk_mask in self._run_chunks(x, batch_size, keep_all=False):
            outputs.append(chunk_outputs[-1])
            masks.append(chunk_mask)
        output = np.concatenate(outputs, axis=0)
        mask = None if masks[0] is None else np.concatenate(masks, axis=0)
        return output, mask

    def trace(self, x, batch_size=None):
        """Yields (layer name, output) for every layer, in order, over the whole batch."""
        per_layer = None
        for chunk_outputs, _ in self._run_chunks(x, batch_size, keep_all=True):
            if per_layer is None:
                per_layer = [[] for _ in chunk_outputs]
            for store, out in zip(per_layer, chunk_outputs):
                store.append(out)
        for layer, outs in zip(self.layers, per_layer):
            yield layer.name, np.concatenate(outs, axis=0)

    def _run_chunks(self, x, batch_size, keep_all):
        x = self._check_input(x)
        if batch_size is not None and (
            not isinstance(batch_size, (int, np.integer)) or batch_size < 1
        ):
            raise InputError(f"batch_size must be a positive integer, found {batch_size!r}")
        if len(x) == 0:
            # An empty batch gives an empty result of the right shape: run one blank sample.
            blank = np.array([""]) if self.takes_text else np.zeros((1, *x.shape[1:]), x.dtype)
            for outputs, mask in self._run_chunks(blank, None, keep_all):
                yield [out[:0] for out in outputs], None if mask is None else mask[:0]
            return
        chunk = min(batch_size or DEFAULT_BATCH, self.chunk_limit)
        for start in range(0, len(x), chunk):
            yield self._forward(x[start : start + chunk], keep_all)

    def _forward(self, x, keep_all):
        # NaN and infinity propagate as they do in Keras, without NumPy's warnings.
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            return self._forward_steps(x, keep_all)

    def _forward_steps(self, x, keep_all):
        values = {None: (x, None)}
        outputs = []
        for step in self.steps:
            value, mask = values[step.source]
            if step.mask_source is not None:
                mask = self._mask_from(step.mask_source, values)
            value, mask = step.layer.call(value, mask)
            if value.dtype == np.float64:
                value = value.astype(np.float32)
            values[step.layer.name] = (value, mask)
            if not keep_all and step.source not in self.mask_inputs:
                values.pop(step.source, None)
            outputs.append(value)
        if not keep_all:
            outputs = outputs[-1:]
        return outputs, mask

    def _mask_from(self, op_name, values):
        source, scalar = self.mask_ops[op_name]
        key = None if source == getattr(self, "input_name", None) else source
        return values[key][0] != scalar

    def _check_input(self, x):
        if self.takes_text:
            return self._check_text(x)
        if isinstance(x, (list, tuple)):
            try:
                x = np.asarray(x)
            except ValueError as exc:
                raise InputError(f"input is not a rectangular array: {exc}") from exc
        if not isinstance(x, np.ndarray):
            raise InputError(f"expected a NumPy array, found {type(x).__name__}")
        if x.dtype.kind in "USO":
            raise InputError(
                f"model {self.name!r} expects numbers of shape "
                f"{_shape_text(self.input_shape)}, found "
                f"{'strings' if x.dtype.kind in 'US' else 'objects'} (dtype {x.dtype})"
            )
        if x.dtype.kind not in "biuf":
            raise InputError(
                f"model {self.name!r} expects real numbers of shape "
                f"{_shape_text(self.input_shape)}, found dtype {x.dtype}"
            )
        expected = self.input_shape
        if x.ndim != len(expected) or any(
            e is not None and e != f for e, f in zip(expected[1:], x.shape[1:])
        ):
            raise InputError(
                f"model {self.name!r} expects input of shape {_shape_text(expected)}, "
                f"found {x.shape}"
            )
        if self.input_dtype.startswith(("int", "uint")):
            if x.dtype.kind == "f":
                finite = np.isfinite(x).all()
                if not finite or not np.array_equal(x, np.round(x)):
                    raise InputError(
                        f"model {self.name!r} expects integer token ids, found non-integer "
                        f"values (dtype {x.dtype})"
                    )
            return x.astype(np.int64)
        return np.ascontiguousarray(x, dtype=np.float32)

    def _check_text(self, x):
        array = np.asarray(x, dtype=object) if isinstance(x, (list, tuple)) else x
        if not isinstance(array, np.ndarray):
            raise InputError(
                f"model {self.name!r} expects an array of strings, found {type(x).__name__}"
            )
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]
        if array.ndim != 1:
            raise InputError(
                f"model {self.name!r} expects strings of shape (batch,) or (batch, 1), found "
                f"shape {array.shape}"
            )
        if array.dtype.kind == "S":
            array = np.char.decode(array, "utf-8")
        if array.dtype.kind == "O":
            kinds = {type(item).__name__ for item in array if not isinstance(item, str)}
            if kinds:
                raise InputError(
                    f"model {self.name!r} expects raw strings (it contains TextVectorization), "
                    f"found {', '.join(sorted(kinds))}"
                )
        elif array.dtype.kind != "U":
            raise InputError(
                f"model {self.name!r} expects raw strings (it contains TextVectorization), "
                f"found numbers (dtype {array.dtype})"
            )
        return np.asarray(array, dtype=object)

    def summary(self):
        """One line per layer: name, class, output shape."""
        rows = [f"{self.name}: input {_shape_text(self.input_shape)} {self.input_dtype}"]
        for layer, shape in zip(self.layers, self.shapes[1:]):
            rows.append(f"  {layer.name:<28} {layer.class_name:<24} {_shape_text(shape)}")
        return "\n".join(rows)


def _shape_text(shape):
    return "(" + ", ".join("batch" if i == 0 else str(d) for i, d in enumerate(shape)) + ")"


def _history(tensor, layer_name):
    try:
        return tensor["config"]["keras_history"][0]
    except (KeyError, TypeError, IndexError) as exc:
        raise ModelFileError(
            f"layer {layer_name!r}: an inbound tensor has no keras_history"
        ) from exc


def _count_tensors(spec):
    if isinstance(spec, list) and spec and isinstance(spec[0], str):
        return 1
    return len(spec) if isinstance(spec, list) else 0


def _first_tensor(spec):
    return spec[0] if isinstance(spec[0], str) else spec[0][0]

"""Hand-built .keras archives in Keras 3's layout, for error and integrity tests without Keras."""

import io
import json
import zipfile

import h5py
import numpy as np


def dense_config(units=2, activation="softmax", input_features=3, layer_class="Dense", **extra):
    """A Sequential config: InputLayer -> one layer, as Keras 3 writes it."""
    layer = {"name": "dense", "units": units, "activation": activation, "use_bias": True}
    layer.update(extra)
    return {
        "module": "keras",
        "class_name": "Sequential",
        "config": {
            "name": "sequential",
            "layers": [
                {
                    "module": "keras.layers",
                    "class_name": "InputLayer",
                    "config": {"batch_shape": [None, input_features], "dtype": "float32"},
                },
                {
                    "module": "keras.layers",
                    "class_name": layer_class,
                    "config": layer,
                    "registered_name": None,
                },
            ],
        },
    }


def weights_h5(layers):
    """model.weights.h5 bytes: {group: (layer name, [arrays])} under layers/<group>/vars/<i>."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        for group_name, (layer_name, arrays) in layers.items():
            group = h5.create_group(f"layers/{group_name}/vars")
            group.attrs["name"] = layer_name
            for i, array in enumerate(arrays):
                group.create_dataset(str(i), data=array)
    return buffer.getvalue()


def dense_weights(units=2, input_features=3, seed=0):
    rng = np.random.default_rng(seed)
    kernel = rng.normal(size=(input_features, units)).astype(np.float32)
    bias = rng.normal(size=units).astype(np.float32)
    return {"dense": ("dense", [kernel, bias])}


def write_archive(path, config=None, weights=None, extra_members=None, raw_config=None):
    """Writes a .keras zip; config may be given raw (bytes) to test broken JSON."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
        if raw_config is not None:
            archive.writestr("config.json", raw_config)
        elif config is not None:
            archive.writestr("config.json", json.dumps(config))
        if weights is not None:
            archive.writestr("model.weights.h5", weights_h5(weights))
        for name, data in (extra_members or {}).items():
            archive.writestr(name, data)
    return path

"""Bad model files and bad inputs fail with the right EngineError and a message that helps."""

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from conformance.archives import dense_config, dense_weights, write_archive
from reference import (
    EngineError,
    InputError,
    ModelFileError,
    UnsupportedLayerError,
    WeightMismatchError,
    load_model,
)


@pytest.fixture
def dense_file(tmp_path):
    return write_archive(tmp_path / "dense.keras", dense_config(), dense_weights())


def test_valid_hand_built_archive_loads_and_predicts(dense_file):
    probs = load_model(dense_file).predict(np.ones((4, 3), np.float32))
    assert probs.shape == (4, 2) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-6)


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="not found"):
        load_model(tmp_path / "nothing.keras")


def test_directory_instead_of_file(tmp_path):
    with pytest.raises(ModelFileError, match="directory"):
        load_model(tmp_path)


def test_not_a_zip(tmp_path):
    path = tmp_path / "model.keras"
    path.write_bytes(b"\x89HDF\r\n legacy h5 model, not a zip")
    with pytest.raises(ModelFileError, match="not a .keras archive"):
        load_model(path)


def test_truncated_archive(dense_file):
    data = dense_file.read_bytes()
    dense_file.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError):
        load_model(dense_file)


def test_corrupted_member_bytes(dense_file):
    """A flipped byte inside the compressed weights: the zip's CRC check catches it."""
    data = bytearray(dense_file.read_bytes())
    with zipfile.ZipFile(dense_file) as archive:
        info = archive.getinfo("model.weights.h5")
    data[info.header_offset + 30 + len(info.filename) + info.compress_size // 2] ^= 0xFF
    dense_file.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="corrupt|decompress|not a readable HDF5"):
        load_model(dense_file)


def test_config_not_json(tmp_path):
    path = write_archive(tmp_path / "m.keras", raw_config=b"{not json", weights=dense_weights())
    with pytest.raises(ModelFileError, match="not valid JSON"):
        load_model(path)


def test_missing_weights_file(tmp_path):
    path = write_archive(tmp_path / "m.keras", dense_config())
    with pytest.raises(ModelFileError, match="model.weights.h5"):
        load_model(path)


def test_missing_weight(tmp_path):
    weights = {"dense": ("dense", [np.zeros((3, 2), np.float32)])}
    path = write_archive(tmp_path / "m.keras", dense_config(), weights)
    with pytest.raises(WeightMismatchError, match="expects 2 weights"):
        load_model(path)


def test_weights_of_another_layer_name(tmp_path):
    weights = {"dense": ("other", dense_weights()["dense"][1])}
    path = write_archive(tmp_path / "m.keras", dense_config(), weights)
    with pytest.raises(WeightMismatchError, match="no weights for layer 'dense'"):
        load_model(path)


def test_weight_with_wrong_shape(tmp_path):
    weights = {"dense": ("dense", [np.zeros((4, 2), np.float32), np.zeros(2, np.float32)])}
    path = write_archive(tmp_path / "m.keras", dense_config(), weights)
    with pytest.raises(WeightMismatchError, match=r"shape \(4, 2\), expected \(3, 2\)"):
        load_model(path)


def test_unsupported_layer_names_layer_and_class(tmp_path):
    config = dense_config(layer_class="LayerNormalization")
    path = write_archive(tmp_path / "m.keras", config, weights={})
    with pytest.raises(UnsupportedLayerError, match=r"'dense' \(LayerNormalization\)"):
        load_model(path)


def test_unsupported_option_names_option_and_value(tmp_path):
    config = dense_config(some_future_option="on")
    path = write_archive(tmp_path / "m.keras", config, dense_weights())
    with pytest.raises(UnsupportedLayerError, match="some_future_option='on'"):
        load_model(path)


def test_unsupported_activation(tmp_path):
    path = write_archive(tmp_path / "m.keras", dense_config(activation="my_act"), dense_weights())
    with pytest.raises(UnsupportedLayerError, match="activation 'my_act'"):
        load_model(path)


def test_lambda_layer_refused_without_running_it(tmp_path):
    marker = tmp_path / "ran"
    code = f"open({str(marker)!r}, 'w').write('x')"
    config = dense_config(
        layer_class="Lambda", function={"class_name": "__lambda__", "config": {"code": code}}
    )
    path = write_archive(tmp_path / "m.keras", config, dense_weights())
    with pytest.raises(UnsupportedLayerError, match="never runs code"):
        load_model(path)
    assert not marker.exists()


def test_custom_object_refused(tmp_path):
    config = dense_config()
    config["config"]["layers"][1].update(module="evil.module", registered_name="evil>Dense")
    path = write_archive(tmp_path / "m.keras", config, dense_weights())
    with pytest.raises(UnsupportedLayerError, match="custom object"):
        load_model(path)


def test_unsafe_member_path_refused(tmp_path):
    extra = {"../../escape.txt": b"x"}
    path = write_archive(tmp_path / "m.keras", dense_config(), dense_weights(), extra)
    with pytest.raises(ModelFileError, match="unsafe path"):
        load_model(path)
    assert not (tmp_path.parent / "escape.txt").exists()


def test_absurd_member_size_refused(tmp_path):
    path = tmp_path / "bomb.keras"
    write_archive(path, dense_config(), dense_weights())
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("assets/zeros.bin", b"\0" * (20 * 1024**2))
    with pytest.raises(ModelFileError, match="zip bomb"):
        load_model(path)


def test_wrong_rank_names_expected_and_found(dense_file):
    with pytest.raises(InputError, match=r"expects input of shape \(batch, 3\), found \(2, 3, 1\)"):
        load_model(dense_file).predict(np.zeros((2, 3, 1), np.float32))


def test_wrong_width(dense_file):
    with pytest.raises(InputError, match=r"found \(2, 4\)"):
        load_model(dense_file).predict(np.zeros((2, 4), np.float32))


def test_strings_to_a_numeric_model(dense_file):
    with pytest.raises(InputError, match="found strings"):
        load_model(dense_file).predict(np.array([["a", "b", "c"]]))


def test_empty_batch_gives_empty_result_of_right_shape(dense_file):
    probs = load_model(dense_file).predict(np.zeros((0, 3), np.float32))
    assert probs.shape == (0, 2) and probs.dtype == np.float32


def test_nan_and_inf_propagate(tmp_path):
    path = write_archive(tmp_path / "m.keras", dense_config(activation="linear"), dense_weights())
    out = load_model(path).predict(np.array([[np.nan, 0, 0], [np.inf, 0, 0]], np.float32))
    assert np.isnan(out[0]).all() and not np.isfinite(out[1]).any()


def test_bad_batch_size(dense_file):
    with pytest.raises(InputError, match="batch_size"):
        load_model(dense_file).predict(np.zeros((2, 3), np.float32), batch_size=0)


def test_every_error_is_an_engine_error():
    for cls in (ModelFileError, UnsupportedLayerError, WeightMismatchError, InputError):
        assert issubclass(cls, EngineError)


def test_config_that_is_json_but_not_a_model(tmp_path):
    path = write_archive(tmp_path / "m.keras", raw_config=json.dumps([1, 2]), weights={})
    with pytest.raises(ModelFileError, match="not a Keras model config"):
        load_model(path)


GOLDEN_LAYERS = Path(__file__).resolve().parent.parent / "golden" / "layers"
TEXT_MODEL = GOLDEN_LAYERS / "textvec-then-embedding-then-lstm-raw-strings.keras"
TOKEN_MODEL = GOLDEN_LAYERS / "embedding-mask-passes-through-dense.keras"


def test_numbers_to_a_text_model():
    with pytest.raises(InputError, match="expects raw strings.*found numbers"):
        load_model(TEXT_MODEL).predict(np.zeros((2, 1), np.float32))


def test_text_model_with_wrong_shape():
    with pytest.raises(InputError, match=r"\(batch,\) or \(batch, 1\), found shape \(2, 2\)"):
        load_model(TEXT_MODEL).predict(np.array([["a", "b"], ["c", "d"]]))


def test_text_model_accepts_lists_and_empty_strings():
    probs = load_model(TEXT_MODEL).predict(["", "apa kabar"])
    assert probs.shape[0] == 2 and np.isfinite(probs).all()


def test_empty_batch_of_text():
    probs = load_model(TEXT_MODEL).predict(np.array([], dtype=str))
    assert probs.shape[0] == 0 and probs.dtype == np.float32


def test_token_id_outside_the_embedding():
    model = load_model(TOKEN_MODEL)
    input_dim = next(layer for layer in model.layers if layer.class_name == "Embedding").input_dim
    ids = np.ones((2, model.input_shape[1]), np.int32)
    ids[1, 0] = input_dim
    with pytest.raises(InputError, match=rf"token ids in \[0, {input_dim}\), found {input_dim}"):
        model.predict(ids)


def test_negative_token_id():
    model = load_model(TOKEN_MODEL)
    ids = np.ones((1, model.input_shape[1]), np.int32)
    ids[0, -1] = -3
    with pytest.raises(InputError, match="found -3"):
        model.predict(ids)


def test_fractional_token_ids():
    model = load_model(TOKEN_MODEL)
    with pytest.raises(InputError, match="non-integer"):
        model.predict(np.full((1, model.input_shape[1]), 1.5))


# Regressions found by test_fuzz.py: each was an unguarded exception before.


def _mutated_copy(tmp_path, source, edit):
    """A copy of a golden model whose config.json is changed by edit(config)."""
    with zipfile.ZipFile(source) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    config = json.loads(members["config.json"])
    edit(config)
    members["config.json"] = json.dumps(config).encode()
    path = tmp_path / "mutated.keras"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


CONV_MODEL = GOLDEN_LAYERS / "conv2d-same-stride2-even-input.keras"
BIDI_MODEL = GOLDEN_LAYERS / "bidirectional-gru-masked-mixed-padding-concat-return-sequences.keras"


@pytest.mark.parametrize("strides", [0, False, [2, -1], "2"])
def test_conv_strides_that_are_not_positive_ints(tmp_path, strides):
    def edit(config):
        config["config"]["layers"][1]["config"]["strides"] = strides

    with pytest.raises(ModelFileError, match="strides=.*expected a positive int"):
        load_model(_mutated_copy(tmp_path, CONV_MODEL, edit))


def test_input_dtype_that_is_not_a_dtype_name(tmp_path):
    def edit(config):
        config["config"]["layers"][0]["config"]["dtype"] = [None]

    with pytest.raises(UnsupportedLayerError, match=r"input dtype \[None\]"):
        load_model(_mutated_copy(tmp_path, TOKEN_MODEL, edit))


def test_bidirectional_halves_that_disagree_on_return_sequences(tmp_path):
    def edit(config):
        wrapper = config["config"]["layers"][2]["config"]
        wrapper["layer"]["config"]["return_sequences"] = False
        wrapper.setdefault("backward_layer", {}).setdefault("config", {})

    path = _mutated_copy(tmp_path, BIDI_MODEL, edit)
    with pytest.raises(EngineError, match="return_sequences"):
        load_model(path)


def test_float_token_ids_are_truncated_like_keras(tmp_path):
    """With the input declared float32, Keras's Embedding casts ids to int, truncating."""

    def edit(config):
        config["config"]["layers"][0]["config"]["dtype"] = "float32"

    model = load_model(_mutated_copy(tmp_path, TOKEN_MODEL, edit))
    ids = np.ones((1, model.input_shape[1]), np.float32)
    np.testing.assert_array_equal(model.predict(ids + 0.7), model.predict(ids))


@pytest.mark.parametrize("return_sequences", [False, True])
def test_empty_time_axis_is_refused_like_keras(tmp_path, return_sequences):
    def edit(config):
        config["config"]["layers"][0]["config"]["batch_shape"] = [None, None, 4]
        config["config"]["layers"][1]["config"]["return_sequences"] = return_sequences

    model = load_model(_mutated_copy(tmp_path, GOLDEN_LAYERS / "lstm-last-output.keras", edit))
    assert model.predict(np.ones((2, 3, 4), np.float32)).shape[0] == 2
    with pytest.raises(InputError, match=r"at least one time step, found .*\(2, 0, 4\)"):
        model.predict(np.zeros((2, 0, 4), np.float32))

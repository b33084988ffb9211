"""The benchmark's arithmetic: FLOP counts and the alternating timer (no times asserted)."""

from experiments import bench
from reference import load_model


def test_cnn_flops_match_a_count_by_hand(golden_file):
    model = load_model(golden_file("models/cnn_cifar10.keras"))
    # (output positions, window * input channels, filters) of the five 3x3 "same" convolutions,
    # then the two Dense layers: 2 FLOPs per multiply-add.
    convolutions = [
        (32 * 32, 9 * 3, 32),
        (32 * 32, 9 * 32, 32),
        (16 * 16, 9 * 32, 64),
        (16 * 16, 9 * 64, 64),
        (8 * 8, 9 * 64, 128),
    ]
    conv = sum(2 * positions * k * filters for positions, k, filters in convolutions)
    dense = 2 * (2048 * 128 + 128 * 10)
    assert bench.model_flops(model, 3, {"Conv2D"}) == 3 * conv
    assert bench.model_flops(model, 3) == 3 * (conv + dense)


def test_lstm_flops_count_both_products_every_step(golden_file):
    model = load_model(golden_file("models/lstm_nusax.keras"))
    expected = 0
    for layer, shape in zip(model.layers, model.shapes):
        parts = [layer.forward, layer.backward] if layer.class_name == "Bidirectional" else [layer]
        for part in parts:
            if part.class_name == "LSTM":
                features, units = shape[-1], part.units
                expected += 2 * shape[1] * (features * 4 * units + units * 4 * units)
        if layer.class_name == "Dense":
            expected += 2 * layer.kernel.size
    assert expected > 0
    assert bench.model_flops(model, 1) == expected


def test_paired_timer_alternates_and_reports_the_median_ratio():
    calls = []
    engine, keras, ratio = bench.paired_seconds(
        lambda: calls.append("engine"), lambda: calls.append("keras"), 3
    )
    assert calls == ["engine", "keras"] * 3
    assert len(engine) == len(keras) == 3
    assert ratio > 0

"""Benchmark: the reference engine against Keras on the same inputs, in the same run.

    python -m experiments.bench [--repeats 5] [--out results/bench] [--quick] [--render]

For each workload it reports the median engine time over the repeats, Keras's best median over
batch sizes 32 to 1024, their ratio, items per second, a naive per-position loop baseline (timed
on a subset and scaled), the engine's peak memory, and for convolutions the GFLOP/s reached
against a float32 matrix product measured in this same run. Times are compared only as ratios
within one run; nothing here is asserted by the tests.
"""

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from reference import load_model  # noqa: E402
from reference.files import write_atomic  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_MODELS = ROOT / "golden" / "models"
KERAS_BATCH_SIZES = (32, 128, 256, 1024)


def median_seconds(run, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def matmul_gflops(repeats):
    """float32 GFLOP/s of a large square matrix product with this NumPy's BLAS."""
    n = 2048
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    seconds = median_seconds(lambda: a @ b, repeats)
    return 2 * n**3 / seconds / 1e9


def peak_bytes(run):
    """Largest memory NumPy and Python held above the starting point while run() ran."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


# Naive baselines: the same mathematics with a Python loop over every output position (or
# every time step of every sample), as a first from-scratch port typically looks.


def naive_conv2d(layer, x):
    from reference.layers._windows import pad_spatial

    kh, kw = layer.kernel_size
    kernel = layer.kernel.reshape(kh, kw, -1, layer.filters)
    padded = pad_spatial(x, layer.kernel_size, layer.strides, layer.dilation, layer.padding)
    out_h, out_w = layer._out_hw(x.shape[1], x.shape[2])
    out = np.zeros((x.shape[0], out_h, out_w, layer.filters), np.float32)
    dh, dw = layer.dilation
    sh, sw = layer.strides
    for b in range(x.shape[0]):
        for i in range(out_h):
            for j in range(out_w):
                window = padded[
                    b,
                    i * sh : i * sh + (kh - 1) * dh + 1 : dh,
                    j * sw : j * sw + (kw - 1) * dw + 1 : dw,
                ]
                out[b, i, j] = np.tensordot(window, kernel, axes=3)
    if layer.bias is not None:
        out += layer.bias
    return layer.activation(out)


def naive_predict(model, x):
    """The engine's layers, but convolutions per output position and one sample at a time."""
    outputs = []
    for sample in range(len(x)):
        value, mask = x[sample : sample + 1], None
        if model.takes_text:
            value = np.asarray(value, dtype=object)
        for layer in model.layers:
            if layer.class_name == "Conv2D":
                value, mask = naive_conv2d(layer, value), None
            else:
                value, mask = layer.call(value, mask)
        outputs.append(value)
    return np.concatenate(outputs)


def layer_flops(layer, in_shape):
    """Multiply-add FLOPs (2 per multiply-add) of one sample through one layer's products."""
    name = layer.class_name
    if name == "Conv2D":
        kh, kw = layer.kernel_size
        out_h, out_w = layer.out_hw
        return 2 * out_h * out_w * kh * kw * in_shape[-1] * layer.filters
    if name == "Dense":
        positions = 1
        for dim in in_shape[1:-1]:
            positions *= dim
        return 2 * positions * layer.kernel.size
    if name == "Bidirectional":
        return layer_flops(layer.forward, in_shape) + layer_flops(layer.backward, in_shape)
    if name in ("SimpleRNN", "LSTM", "GRU"):
        # Every step: the input product and the recurrent product.
        return 2 * in_shape[1] * (layer.kernel.size + layer.recurrent_kernel.size)
    return 0


def model_flops(model, samples, kinds=None):
    """FLOPs of the model's products over samples; kinds limits the count to some layer kinds."""
    per_sample = sum(
        layer_flops(layer, in_shape)
        for layer, in_shape in zip(model.layers, model.shapes)
        if kinds is None or layer.class_name in kinds
    )
    return per_sample * samples


def keras_batch_size(keras_model, kx, batch_sizes=KERAS_BATCH_SIZES):
    """Keras's fastest batch size for this input, from one timed pass per batch size."""
    timings = []
    for batch_size in batch_sizes:
        keras_model.predict(kx[: min(len(kx), batch_size * 2)], batch_size=batch_size, verbose=0)
        run = lambda bs=batch_size: keras_model.predict(kx, batch_size=bs, verbose=0)  # noqa: E731
        timings.append((median_seconds(run, 1), batch_size))
    return min(timings)[1]


def paired_seconds(engine_run, keras_run, repeats):
    """Engine and Keras timed in alternation, so both see the same machine state.

    On a shared 2-core machine the speed of memory-bound code drifts by a factor of two within
    minutes; alternating the two and taking the median of the per-pair ratios keeps such drift
    out of the ratio. Returns (engine times, Keras times, median ratio).
    """
    engine, keras = [], []
    for _ in range(repeats):
        engine.append(median_seconds(engine_run, 1))
        keras.append(median_seconds(keras_run, 1))
    ratio = statistics.median(e / k for e, k in zip(engine, keras))
    return engine, keras, ratio


def measure(name, path, x, repeats, naive_subset, batch_sizes=KERAS_BATCH_SIZES):
    from conformance import keras_runner

    print(f"[bench] {name}: {len(x)} items", flush=True)
    model = load_model(path)
    model.predict(x[:8])
    keras_model = keras_runner.load(path)
    kx = keras_runner.as_keras_input(x)
    keras_batch = keras_batch_size(keras_model, kx, batch_sizes)
    engine_times, keras_times, ratio = paired_seconds(
        lambda: model.predict(x),
        lambda: keras_model.predict(kx, batch_size=keras_batch, verbose=0),
        repeats,
    )
    engine, keras_seconds = statistics.median(engine_times), statistics.median(keras_times)
    subset = x[:naive_subset]
    naive = median_seconds(lambda: naive_predict(model, subset), 1) * len(x) / len(subset)
    peak = peak_bytes(lambda: model.predict(x))
    row = {
        "workload": name,
        "items": len(x),
        "engine_s": engine,
        "keras_s": keras_seconds,
        "engine_times_s": engine_times,
        "keras_times_s": keras_times,
        "keras_batch_size": keras_batch,
        "ratio_to_keras": ratio,
        "naive_s_scaled": naive,
        "naive_subset": len(subset),
        "items_per_s": len(x) / engine,
        "peak_mib": peak / 2**20,
        "gflop": model_flops(model, len(x)) / 1e9,
        "conv_gflop": model_flops(model, len(x), {"Conv2D"}) / 1e9,
    }
    print(
        f"[bench]   engine {engine:.3f} s, Keras {keras_seconds:.3f} s (batch {keras_batch}), "
        f"engine/Keras {ratio:.2f}x"
    )
    return row


def random_model(layers, input_shape, dtype, seed=0):
    """A saved Keras model with random weights (seeded), for workloads that need none trained."""
    from conformance import keras_runner

    keras = keras_runner.keras
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=input_shape, dtype=dtype), *layers])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.1, w.shape).astype(np.float32) for w in model.get_weights()])
    path = Path(tempfile.mkdtemp(prefix="bench-")) / "model.keras"
    model.save(path)
    return path


def layer_workloads(quick):
    """(name, saved model, input) for each layer family alone on a typical shape."""
    from conformance import keras_runner

    layers = keras_runner.keras.layers
    rng = np.random.default_rng(0)
    n = 256 if quick else 1024
    images = rng.standard_normal((n, 32, 32, 32), dtype=np.float32)
    features = rng.standard_normal((4 * n, 512), dtype=np.float32)
    ids = rng.integers(0, 5000, (n, 50)).astype(np.int32)
    ids[:, 40:] = 0
    sequences = rng.standard_normal((n, 50, 64), dtype=np.float32)
    texts = np.array([f"kalimat nomor {i} yang cukup panjang untuk diuji, ya!" for i in range(n)])
    vocabulary = [f"kata{i}" for i in range(2000)] + ["kalimat", "nomor", "yang", "cukup"]
    return [
        ("Conv2D 3x3 same, 32->64 ch, 32x32", [layers.Conv2D(64, 3, padding="same")], images),
        ("Conv2D 5x5 stride 2, 32->32 ch", [layers.Conv2D(32, 5, strides=2)], images),
        ("MaxPooling2D 2x2", [layers.MaxPooling2D()], images),
        ("AveragePooling2D 3x3 s2 same", [layers.AveragePooling2D(3, 2, "same")], images),
        ("GlobalAveragePooling2D", [layers.GlobalAveragePooling2D()], images),
        ("Dense 512->256 relu", [layers.Dense(256, activation="relu")], features),
        ("Embedding 5000x64 mask_zero", [layers.Embedding(5000, 64, mask_zero=True)], ids),
        ("SimpleRNN 64", [layers.SimpleRNN(64)], sequences),
        ("LSTM 64", [layers.LSTM(64)], sequences),
        ("GRU 64", [layers.GRU(64)], sequences),
        (
            "Bidirectional LSTM 64 sequences",
            [layers.Bidirectional(layers.LSTM(64, return_sequences=True))],
            sequences,
        ),
        (
            "TextVectorization",
            [layers.TextVectorization(vocabulary=vocabulary, output_sequence_length=16)],
            texts,
        ),
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench")
    parser.add_argument("--quick", action="store_true", help="smaller inputs, 3 repeats")
    parser.add_argument(
        "--render", action="store_true", help="only rewrite bench.md from the measured bench.json"
    )
    args = parser.parse_args(argv)
    if args.render:
        write(args.out, json.loads((args.out / "bench.json").read_text()))
        return
    repeats = 3 if args.quick else max(args.repeats, 5)

    from conformance import evaluation

    gflops = matmul_gflops(repeats)
    print(f"[bench] float32 matmul: {gflops:.1f} GFLOP/s", flush=True)
    rows = []
    cifar, _ = evaluation.load_test_set("cifar10", samples=1000 if args.quick else None)
    rows.append(
        measure(
            "golden CNN, CIFAR-10 test", GOLDEN_MODELS / "cnn_cifar10.keras", cifar, repeats, 20
        )
    )
    texts, _ = evaluation.load_test_set("nusax")
    for name in ("simplernn_nusax", "lstm_nusax"):
        rows.append(
            measure(
                f"golden {name}, NusaX test", GOLDEN_MODELS / f"{name}.keras", texts, repeats, 20
            )
        )

    from conformance import keras_runner

    layers = keras_runner.keras.layers
    count = 512 if args.quick else 4096
    ids = np.random.default_rng(1).integers(1, 20000, (count, 100)).astype(np.int32)
    bilstm = random_model(
        [
            layers.Embedding(20000, 64),
            layers.Bidirectional(layers.LSTM(128, return_sequences=True)),
            layers.Bidirectional(layers.LSTM(128)),
            layers.Dense(3, activation="softmax"),
        ],
        (100,),
        "int32",
    )
    rows.append(measure("2-layer BiLSTM 128, 100 tokens", bilstm, ids, repeats, 4))

    for name, stack, x in layer_workloads(args.quick):
        dtype = "string" if x.dtype.kind == "U" else ("int32" if x.dtype.kind == "i" else "float32")
        shape = (1,) if dtype == "string" else x.shape[1:]
        rows.append(measure(name, random_model(stack, shape, dtype), x, repeats, 8))

    memory = {}
    model = load_model(GOLDEN_MODELS / "cnn_cifar10.keras")
    for batch_size in (None, 64, len(cifar)):
        memory[str(batch_size)] = (
            peak_bytes(lambda bs=batch_size: model.predict(cifar, batch_size=bs)) / 2**20
        )

    for row in rows:
        if row["gflop"]:
            # The least time the products alone could take at the measured matmul speed.
            row["matmul_floor_s"] = row["gflop"] / gflops
            for who in ("engine", "keras"):
                row[f"{who}_gflops_per_s"] = row["gflop"] / row[f"{who}_s"]
                row[f"{who}_fraction_of_matmul"] = row[f"{who}_gflops_per_s"] / gflops
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "numpy": np.__version__,
        },
        "matmul_gflops_per_s": gflops,
        "repeats": repeats,
        "cnn_peak_mib_by_batch_size": memory,
        "rows": rows,
    }
    write(args.out, report)


def table(report):
    lines = [
        f"float32 matmul on this machine: {report['matmul_gflops_per_s']:.1f} GFLOP/s. Engine and "
        f"Keras are timed in alternation, {report['repeats']} pairs; times are medians, "
        "engine/Keras is the median of the per-pair ratios; Keras runs at its fastest batch size; "
        "in brackets, the fastest and slowest repetition. "
        "GFLOP counts the products (convolution, dense, recurrent); the floor is that count at "
        "the matmul speed.",
        "",
        "| workload | items | engine s (range) | Keras s (range) | engine/Keras | items/s | "
        "naive loop s (scaled) | peak MiB | GFLOP | floor s | engine GFLOP/s (% of matmul) | "
        "Keras GFLOP/s (% of matmul) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["rows"]:
        rates = [
            f"{row[f'{who}_gflops_per_s']:.1f} ({row[f'{who}_fraction_of_matmul']:.0%})"
            if f"{who}_gflops_per_s" in row
            else "-"
            for who in ("engine", "keras")
        ]
        flops = (
            f"{row['gflop']:.1f} | {row['matmul_floor_s']:.3f}"
            if row.get("matmul_floor_s")
            else "- | -"
        )
        lines.append(
            f"| {row['workload']} | {row['items']} | {_spread(row, 'engine')} | "
            f"{_spread(row, 'keras')} "
            f"| {row['ratio_to_keras']:.2f}x | {row['items_per_s']:.0f} | "
            f"{row['naive_s_scaled']:.1f} | {row['peak_mib']:.0f} | {flops} | {rates[0]} | "
            f"{rates[1]} |"
        )
    memory = ", ".join(
        f"batch_size={k}: {v:.0f} MiB" for k, v in report["cnn_peak_mib_by_batch_size"].items()
    )
    lines += ["", f"Engine peak memory on the CNN evaluation: {memory}."]
    return "\n".join(lines)


def _spread(row, who):
    """Median time, with the fastest and slowest repetition."""
    times = row[f"{who}_times_s"]
    return f"{row[f'{who}_s']:.3f} ({min(times):.3f}-{max(times):.3f})"


def write(out, report):
    text = table(report)
    write_atomic(out / "bench.json", json.dumps(report, indent=2))
    write_atomic(out / "bench.md", text + "\n")
    print(text)


if __name__ == "__main__":
    main()

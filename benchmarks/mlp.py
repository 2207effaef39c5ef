"""MLP 784-512-512-10 (relu, dropout 0.2, Adam, batch 128): kerasette vs PyTorch.

Each round runs one fresh process per framework, in turn: a warm-up, then one timed
training epoch over 20,000 synthetic samples and five timed predict passes. Prints the
median samples per second of each and the ratio to PyTorch.

    python benchmarks/mlp.py [--rounds 5] [--samples 20000]

PyTorch must be installed (``pip install torch``); both sides use the same thread count.
Set ``KERASETTE_BACKEND=cupy`` to run kerasette on the GPU (PyTorch then uses CUDA too).
"""

from __future__ import annotations

import argparse
import json
import os

import numpy as np

from common import (add_isa_option, alternate_processes, environment_report, one_vector_isa,
                    report, timed, torch_device, torch_loops, write_json)

BATCH = 128
PREDICT_REPEAT = 5  # a predict pass is short: each process quotes the median of five


def make_data(samples: int):
    rng = np.random.default_rng(0)
    x = rng.random((samples, 784), dtype=np.float32)
    y = rng.integers(0, 10, samples).astype(np.int64)
    return x, y


def run_kerasette(x, y) -> dict:
    import kerasette as keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x[:BATCH * 8], y[:BATCH * 8], batch_size=BATCH, epochs=1, verbose=0)
    model.predict(x[:BATCH * 8], batch_size=BATCH, verbose=0)
    train = timed(lambda: model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0))
    predict = timed(lambda: model.predict(x, batch_size=BATCH, verbose=0), repeat=PREDICT_REPEAT)
    return {"train": len(x) / train, "predict": len(x) / predict}


def run_pytorch(x, y) -> dict:
    import torch

    torch.manual_seed(0)
    device = torch_device()
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Dropout(0.2),
        torch.nn.Linear(512, 512), torch.nn.ReLU(), torch.nn.Dropout(0.2),
        torch.nn.Linear(512, 10)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)

    epoch, infer = torch_loops(model, optimizer, loss_fn, xt, yt, BATCH,
                               correct=lambda logits, yb: (logits.argmax(1) == yb).sum(),
                               probabilities=lambda logits: torch.softmax(logits, 1))

    epoch(BATCH * 8)
    infer(BATCH * 8)
    train = timed(lambda: epoch(len(x)))
    predict = timed(lambda: infer(len(x)), repeat=PREDICT_REPEAT)
    return {"train": len(x) / train, "predict": len(x) / predict}


def run_numpy_floor(x, y) -> dict:
    """The same three GEMMs (+ bias, relu, softmax) in a bare NumPy loop: the floor that
    any NumPy framework's predict stands on."""
    rng = np.random.default_rng(0)
    shapes = [(784, 512), (512, 512), (512, 10)]
    weights = [(rng.standard_normal(s).astype(np.float32) * 0.05,
                np.zeros(s[1], np.float32)) for s in shapes]

    def infer(count):
        outputs = []
        for start in range(0, count, BATCH):
            h = x[start:start + BATCH]
            for index, (kernel, bias) in enumerate(weights):
                h = h @ kernel
                h += bias
                if index < 2:
                    np.maximum(h, 0, out=h)
            h = np.exp(h - h.max(axis=1, keepdims=True))
            outputs.append(h / h.sum(axis=1, keepdims=True))
        return np.concatenate(outputs)

    infer(BATCH * 8)
    return {"predict": len(x) / timed(lambda: infer(len(x)), repeat=PREDICT_REPEAT)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--samples", type=int, default=20000)
    parser.add_argument("--json", help="also write the figures to this JSON file")
    parser.add_argument("--worker", choices=["kerasette", "pytorch", "numpy-floor"])
    add_isa_option(parser)
    args = parser.parse_args()
    one_vector_isa(args.native_isa)
    if args.worker:
        x, y = make_data(args.samples)
        run = {"kerasette": run_kerasette, "pytorch": run_pytorch,
               "numpy-floor": run_numpy_floor}[args.worker]
        print(json.dumps(run(x, y)))
        return
    environment = environment_report()
    print(environment)
    workers = ["pytorch", "kerasette"]
    if os.environ.get("KERASETTE_BACKEND") != "cupy":
        workers.append("numpy-floor")  # a CPU floor: it has no meaning beside a GPU
    results = alternate_processes(__file__, workers, args.rounds,
                                  ["--samples", str(args.samples)])
    rows = [report(f"MLP 784-512-512-10 training, batch {BATCH}, {args.samples} samples",
                   results["train"], "pytorch"),
            report(f"MLP predict, batch {BATCH}", results["predict"], "pytorch")]
    write_json(args.json, environment, rows)


if __name__ == "__main__":
    main()

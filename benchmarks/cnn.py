"""The Keras MNIST convnet (batch 128, 28x28x1, Adam): kerasette vs PyTorch.

Conv2D 32 3x3 relu, Conv2D 64 3x3 relu, MaxPooling2D 2, Dropout 0.25, Flatten,
Dense 128 relu, Dropout 0.5, Dense 10 softmax. Each round runs one fresh process per
framework, in turn: a warm-up, then one timed training epoch over synthetic images and
five timed predict passes. Prints the median samples per second of each and the ratio to
PyTorch.

    python benchmarks/cnn.py [--rounds 3] [--samples 5120]

PyTorch must be installed (``pip install torch``); both sides use the same thread count.
``--profile`` prints where kerasette's training step spends its time instead.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from common import (add_isa_option, alternate_processes, environment_report, one_vector_isa,
                    report, timed, torch_device, torch_loops, write_json)

BATCH = 128
PREDICT_REPEAT = 5


def make_data(samples: int):
    rng = np.random.default_rng(0)
    x = rng.random((samples, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, samples).astype(np.int64)
    return x, y


def build_kerasette():
    import kerasette as keras
    from kerasette import layers

    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Dropout(0.25),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def run_kerasette(x, y) -> dict:
    model = build_kerasette()
    model.fit(x[:BATCH * 4], y[:BATCH * 4], batch_size=BATCH, epochs=1, verbose=0)
    model.predict(x[:BATCH * 4], batch_size=BATCH, verbose=0)
    train = timed(lambda: model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0))
    predict = timed(lambda: model.predict(x, batch_size=BATCH, verbose=0), repeat=PREDICT_REPEAT)
    return {"train": len(x) / train, "predict": len(x) / predict}


def pytorch_model():
    """The same convnet in PyTorch, NCHW (its fast layout), logits out."""
    from torch import nn

    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(128, 10))


def run_pytorch(x, y) -> dict:
    import torch

    torch.manual_seed(0)
    device = torch_device()
    model = pytorch_model().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    xt = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous().to(device)  # NCHW, its best
    yt = torch.from_numpy(y).to(device)

    epoch, infer = torch_loops(model, optimizer, loss_fn, xt, yt, BATCH,
                               correct=lambda logits, yb: (logits.argmax(1) == yb).sum(),
                               probabilities=lambda logits: torch.softmax(logits, 1))

    epoch(BATCH * 4)
    infer(BATCH * 4)
    train = timed(lambda: epoch(len(x)))
    predict = timed(lambda: infer(len(x)), repeat=PREDICT_REPEAT)
    return {"train": len(x) / train, "predict": len(x) / predict}


def profile(x, y) -> None:
    """cProfile of kerasette's training epoch: where the time goes."""
    import cProfile
    import pstats

    model = build_kerasette()
    model.fit(x[:BATCH * 2], y[:BATCH * 2], batch_size=BATCH, verbose=0)
    profiler = cProfile.Profile()
    profiler.runcall(model.fit, x, y, batch_size=BATCH, epochs=1, verbose=0)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=5120)
    parser.add_argument("--json", help="also write the figures to this JSON file")
    parser.add_argument("--worker", choices=["kerasette", "pytorch"])
    parser.add_argument("--profile", action="store_true")
    add_isa_option(parser)
    args = parser.parse_args()
    one_vector_isa(args.native_isa)
    if args.profile or args.worker:
        x, y = make_data(args.samples)
        if args.profile:
            profile(x, y)
            return
        run = {"kerasette": run_kerasette, "pytorch": run_pytorch}[args.worker]
        print(json.dumps(run(x, y)))
        return
    environment = environment_report()
    print(environment)
    results = alternate_processes(__file__, ["pytorch", "kerasette"], args.rounds,
                                  ["--samples", str(args.samples)])
    rows = [report(f"MNIST convnet training, batch {BATCH}, {args.samples} samples",
                   results["train"], "pytorch"),
            report(f"MNIST convnet predict, batch {BATCH}", results["predict"], "pytorch")]
    write_json(args.json, environment, rows)


if __name__ == "__main__":
    main()

"""Embedding(20000, 128) -> LSTM(128) / GRU(128) -> Dense(1, sigmoid): kerasette vs PyTorch.

The IMDB-sentiment shape: sequences of 80 token ids, batch 32, Adam, binary
cross-entropy with accuracy tracked. Each round runs one fresh process per framework, in
turn: a warm-up, then the median of three timed training epochs and of three predict
passes, for each cell (a process's first epoch runs slower while its heap grows).
Prints the median samples per second of each and the ratio to PyTorch (``nn.LSTM`` /
``nn.GRU``, whose gates are fused in C++).

    python benchmarks/lstm.py [--rounds 5] [--samples 3200] [--cells lstm gru]

PyTorch must be installed (``pip install torch``); both sides use the same thread count.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from common import (add_isa_option, alternate_processes, environment_report, one_vector_isa,
                    report, timed, torch_device, torch_loops, write_json)

VOCABULARY, WIDTH, MAXLEN, BATCH = 20000, 128, 80, 32
PREDICT_BATCHES = (32, 256)  # Keras's default, and a serving-size batch
TIMED = 3  # epochs and predict passes per process; the median counts


def make_data(samples: int):
    rng = np.random.default_rng(0)
    x = rng.integers(1, VOCABULARY, (samples, MAXLEN)).astype(np.int32)
    y = rng.integers(0, 2, samples).astype(np.float32)
    return x, y


def run_kerasette(x, y, cell: str) -> dict:
    import kerasette as keras

    keras.utils.set_random_seed(0)
    recurrent = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[cell]
    model = keras.Sequential([
        keras.Input((MAXLEN,), dtype="int32"),
        keras.layers.Embedding(VOCABULARY, WIDTH),
        recurrent(WIDTH),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x[:BATCH * 4], y[:BATCH * 4], batch_size=BATCH, epochs=1, verbose=0)
    model.predict(x[:BATCH * 4], batch_size=BATCH, verbose=0)
    train = timed(lambda: model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0), TIMED)
    results = {"train": len(x) / train}
    for size in PREDICT_BATCHES:
        seconds = timed(lambda: model.predict(x, batch_size=size, verbose=0), TIMED)
        results[f"predict {size}"] = len(x) / seconds
    return results


def run_pytorch(x, y, cell: str) -> dict:
    import torch

    torch.manual_seed(0)
    device = torch_device()

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(VOCABULARY, WIDTH)
            recurrent = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
            self.recurrent = recurrent(WIDTH, WIDTH, batch_first=True)
            self.dense = torch.nn.Linear(WIDTH, 1)

        def forward(self, ids):
            outputs, _ = self.recurrent(self.embedding(ids))
            return self.dense(outputs[:, -1])[:, 0]

    model = Net().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    xt = torch.from_numpy(x.astype(np.int64)).to(device)
    yt = torch.from_numpy(y).to(device)

    epoch, infer = torch_loops(model, optimizer, loss_fn, xt, yt, BATCH,
                               correct=lambda logits, yb: ((logits > 0).float() == yb).sum(),
                               probabilities=torch.sigmoid)

    epoch(BATCH * 4)
    infer(BATCH * 4)
    train = timed(lambda: epoch(len(x)), TIMED)
    results = {"train": len(x) / train}
    for size in PREDICT_BATCHES:
        _, infer = torch_loops(model, optimizer, loss_fn, xt, yt, size, correct=None,
                               probabilities=torch.sigmoid)
        seconds = timed(lambda: infer(len(x)), TIMED)
        results[f"predict {size}"] = len(x) / seconds
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--samples", type=int, default=3200)
    parser.add_argument("--cells", nargs="+", choices=["lstm", "gru"], default=["lstm", "gru"])
    parser.add_argument("--json", help="also write the figures to this JSON file")
    parser.add_argument("--worker", choices=["kerasette", "pytorch"])
    add_isa_option(parser)
    args = parser.parse_args()
    one_vector_isa(args.native_isa)
    if args.worker:
        x, y = make_data(args.samples)
        run = {"kerasette": run_kerasette, "pytorch": run_pytorch}[args.worker]
        results = {}
        for cell in args.cells:
            for key, value in run(x, y, cell).items():
                results[f"{cell} {key}"] = value
        print(json.dumps(results))
        return
    environment = environment_report()
    print(environment)
    results = alternate_processes(__file__, ["pytorch", "kerasette"], args.rounds,
                                  ["--samples", str(args.samples), "--cells", *args.cells])
    rows = []
    for cell in args.cells:
        name = cell.upper()
        rows.append(report(f"Embedding -> {name}(128) -> Dense training, maxlen {MAXLEN}, "
                           f"batch {BATCH}, {args.samples} samples", results[f"{cell} train"],
                           "pytorch"))
        for size in PREDICT_BATCHES:
            rows.append(report(f"Embedding -> {name}(128) -> Dense predict, batch {size}",
                               results[f"{cell} predict {size}"], "pytorch"))
    write_json(args.json, environment, rows)


if __name__ == "__main__":
    main()

"""Where one step goes, kerasette beside PyTorch: the profiles behind a missed target.

For one workload of ``cnn.py`` or ``lstm.py`` it runs a warm-up, then profiles a number of
training (or predict) batches in each framework, one after the other in this process, and
prints milliseconds per batch: kerasette's functions by their own time (cProfile) and
PyTorch's operators by their self CPU time (``torch.profiler``). Both run with the same
thread settings, printed first.

    python benchmarks/step_profile.py cnn-train      [--batches 10]
    python benchmarks/step_profile.py lstm-train | lstm-predict | gru-train | gru-predict
"""

from __future__ import annotations

import argparse
import cProfile
import pstats

import numpy as np

from common import add_isa_option, environment_report, one_vector_isa

WORKLOADS = ("cnn-train", "cnn-predict", "lstm-train", "lstm-predict", "gru-train",
             "gru-predict")


def kerasette_model(workload: str, batches: int):
    import kerasette as keras

    keras.utils.set_random_seed(0)
    if workload.startswith("cnn"):
        from cnn import BATCH, build_kerasette, make_data

        x, y = make_data(BATCH * max(12, batches))
        model = build_kerasette()
    else:
        from lstm import BATCH, MAXLEN, VOCABULARY, WIDTH, make_data

        x, y = make_data(BATCH * max(12, batches))
        recurrent = keras.layers.LSTM if workload.startswith("lstm") else keras.layers.GRU
        model = keras.Sequential([keras.Input((MAXLEN,), dtype="int32"),
                                  keras.layers.Embedding(VOCABULARY, WIDTH),
                                  recurrent(WIDTH), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model, x, y, BATCH


def profile_kerasette(workload: str, batches: int, top: int) -> None:
    model, x, y, batch = kerasette_model(workload, batches)
    count = batch * batches

    def run():
        if workload.endswith("train"):
            model.fit(x[:count], y[:count], batch_size=batch, epochs=1, verbose=0)
        else:
            model.predict(x[:count], batch_size=batch, verbose=0)
    run()
    profiler = cProfile.Profile()
    profiler.runcall(run)
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    print(f"kerasette {workload}: {1e3 * total / batches:.1f} ms per batch of {batch} "
          f"(cProfile, own time per batch):")
    rows = sorted(stats.stats.items(), key=lambda item: -item[1][2])[:top]
    for (filename, line, name), (_, calls, own, _, _) in rows:
        where = filename.split("/src/")[-1].split("/site-packages/")[-1]
        print(f"  {1e3 * own / batches:8.2f} ms  {calls / batches:7.1f} calls  "
              f"{name} ({where}:{line})")


def profile_pytorch(workload: str, batches: int, top: int) -> None:
    import torch

    torch.manual_seed(0)
    if workload.startswith("cnn"):
        from cnn import BATCH, make_data, pytorch_model

        x, y = make_data(BATCH * max(12, batches))
        model = pytorch_model()
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        loss_fn = torch.nn.CrossEntropyLoss()
        yt = torch.from_numpy(y.astype(np.int64))
    else:
        from lstm import BATCH, MAXLEN, VOCABULARY, WIDTH, make_data  # noqa: F401

        x, y = make_data(BATCH * max(12, batches))
        cell = torch.nn.LSTM if workload.startswith("lstm") else torch.nn.GRU

        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.embedding = torch.nn.Embedding(VOCABULARY, WIDTH)
                self.recurrent = cell(WIDTH, WIDTH, batch_first=True)
                self.dense = torch.nn.Linear(WIDTH, 1)

            def forward(self, ids):
                outputs, _ = self.recurrent(self.embedding(ids))
                return self.dense(outputs[:, -1])[:, 0]

        model = Net()
        xt = torch.from_numpy(x.astype(np.int64))
        yt = torch.from_numpy(y)
        loss_fn = torch.nn.BCEWithLogitsLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)

    def run():
        for start in range(0, BATCH * batches, BATCH):
            xb, yb = xt[start:start + BATCH], yt[start:start + BATCH]
            if workload.endswith("train"):
                model.train()
                optimizer.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                optimizer.step()
            else:
                model.eval()
                with torch.no_grad():
                    model(xb)

    run()
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        run()
    events = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)[:top]
    total = sum(e.self_cpu_time_total for e in prof.key_averages())
    print(f"pytorch {workload}: {total / 1e3 / batches:.1f} ms per batch of {BATCH} "
          f"(torch.profiler, self CPU time per batch):")
    for event in events:
        print(f"  {event.self_cpu_time_total / 1e3 / batches:8.2f} ms  "
              f"{event.count / batches:7.1f} calls  {event.key}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=WORKLOADS)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--top", type=int, default=14)
    add_isa_option(parser)
    args = parser.parse_args()
    one_vector_isa(args.native_isa)
    print(environment_report())
    profile_kerasette(args.workload, args.batches, args.top)
    profile_pytorch(args.workload, args.batches, args.top)


if __name__ == "__main__":
    main()

"""The CPU kernels' parts on every core against one thread of parts, in one process.

Each round times every workload twice in turn: once as kerasette runs it (a convolution's
chunks, a pool's samples, BatchNormalization's rows, a large LSTM predict batch and Adam's
update of a large table spread over the cores, OpenBLAS on one thread per part) and once inside
``cpu_threads.serial()`` (every part on the calling thread, OpenBLAS with all its threads:
kerasette before the parts). Prints the medians, in samples per second, and their ratio.
No PyTorch needed.

    python benchmarks/parts_ab.py [--rounds 7] [--workloads cnn-predict cnn-train ...]
"""

from __future__ import annotations

import argparse

import numpy as np

from common import (add_isa_option, alternate, blas_report, one_vector_isa, report, timed,
                    write_json)

WORKLOADS = ("cnn-predict", "cnn-train", "lstm-predict-256", "lstm-train",
             "conv-transpose-train", "batchnorm-train")


def build(workload: str):
    """(model, x, y, batch, samples) for one workload, warmed up."""
    import kerasette as keras

    keras.utils.set_random_seed(0)
    if workload.startswith("cnn"):
        from cnn import BATCH, build_kerasette, make_data

        x, y = make_data(BATCH * 8)
        model, batch = build_kerasette(), BATCH
    elif workload.startswith("lstm"):
        from lstm import BATCH, MAXLEN, VOCABULARY, WIDTH, make_data

        x, y = make_data(1024)
        model = keras.Sequential([keras.Input((MAXLEN,), dtype="int32"),
                                  keras.layers.Embedding(VOCABULARY, WIDTH),
                                  keras.layers.LSTM(WIDTH),
                                  keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        batch = 256 if workload.endswith("256") else BATCH
    elif workload.startswith("batchnorm"):  # after a CIFAR network's first convolution
        rng = np.random.default_rng(0)
        x = rng.random((512, 32, 32, 32), dtype=np.float32)
        y = rng.random((512, 32, 32, 32), dtype=np.float32)
        model = keras.Sequential([keras.Input((32, 32, 32)),
                                  keras.layers.BatchNormalization()])
        model.compile(optimizer="adam", loss="mse")
        batch = 128
    else:  # a DCGAN generator's upsampling layer
        rng = np.random.default_rng(0)
        x = rng.random((512, 14, 14, 64), dtype=np.float32)
        y = rng.random((512, 28, 28, 32), dtype=np.float32)
        model = keras.Sequential([keras.Input((14, 14, 64)),
                                  keras.layers.Conv2DTranspose(32, 3, strides=2,
                                                               padding="same")])
        model.compile(optimizer="adam", loss="mse")
        batch = 128
    model.fit(x[:batch * 2], y[:batch * 2], batch_size=batch, epochs=1, verbose=0)
    return model, x, y, batch


def runs(workload: str) -> dict:
    """``{"parts": fn, "one-thread": fn}``, each returning samples per second."""
    from kerasette.backend import cpu_threads

    model, x, y, batch = build(workload)
    if "predict" in workload:
        def once():
            return len(x) / timed(lambda: model.predict(x, batch_size=batch, verbose=0))
    else:
        def once():
            return len(x) / timed(lambda: model.fit(x, y, batch_size=batch, epochs=1,
                                                    verbose=0))

    def serial():
        with cpu_threads.serial():
            return once()

    return {"parts": once, "one-thread": serial}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--workloads", nargs="+", choices=WORKLOADS, default=list(WORKLOADS))
    parser.add_argument("--json", help="also write the figures to this JSON file")
    add_isa_option(parser)
    args = parser.parse_args()
    one_vector_isa(args.native_isa)
    from kerasette.backend import cpu_threads

    environment = (f"{blas_report()}\nparts on {cpu_threads.parallel_threads()} threads "
                   f"(1: this machine or NumPy build runs them one after another)")
    print(environment)
    rows = []
    for workload in args.workloads:
        rows.append(report(workload, alternate(runs(workload), args.rounds), "one-thread"))
    write_json(args.json, environment, rows)


if __name__ == "__main__":
    main()

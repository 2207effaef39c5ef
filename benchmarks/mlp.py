"""MLP 784-512-512-10 (relu, dropout 0.2, Adam, batch 128): kerasette vs PyTorch.

Trains one epoch over 20,000 synthetic samples, and predicts them, with each framework
in turn, for several rounds; prints the median samples per second and the ratio.

    python benchmarks/mlp.py [--rounds 5] [--samples 20000] [--backend numpy|cupy]

PyTorch must be installed (``pip install torch``); both sides use the same thread count.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from common import alternate, blas_report, report, timed

BATCH = 128


def make_data(samples: int):
    rng = np.random.default_rng(0)
    x = rng.random((samples, 784), dtype=np.float32)
    y = rng.integers(0, 10, samples).astype(np.int64)
    return x, y


def kerasette_runs(x, y):
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
    model.fit(x[:BATCH * 4], y[:BATCH * 4], batch_size=BATCH, epochs=1, verbose=0)  # warm-up

    def train():
        return len(x) / timed(lambda: model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0))

    def predict():
        return len(x) / timed(lambda: model.predict(x, batch_size=BATCH, verbose=0))

    return train, predict


def torch_runs(x, y, threads: int):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Dropout(0.2),
        torch.nn.Linear(512, 512), torch.nn.ReLU(), torch.nn.Dropout(0.2),
        torch.nn.Linear(512, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def epoch():
        """A plain training loop that, like fit, tracks the mean loss and accuracy."""
        model.train()
        order = torch.randperm(len(xt))
        total_loss, correct = torch.zeros(()), torch.zeros(())
        for start in range(0, len(xt), BATCH):
            index = order[start:start + BATCH]
            xb, yb = xt[index], yt[index]
            optimizer.zero_grad()
            logits = model(xb)
            loss = loss_fn(logits, yb)
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                total_loss += loss * len(yb)
                correct += (logits.argmax(1) == yb).sum()
        return float(total_loss) / len(xt), float(correct) / len(xt)

    def infer():
        model.eval()
        with torch.no_grad():
            outputs = [torch.softmax(model(xt[s:s + BATCH]), 1) for s in range(0, len(xt), BATCH)]
            torch.cat(outputs).numpy()

    epoch()  # warm-up

    def train():
        return len(x) / timed(epoch)

    def predict():
        return len(x) / timed(infer)

    return train, predict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--samples", type=int, default=20000)
    parser.add_argument("--backend", default=os.environ.get("KERASETTE_BACKEND", "numpy"))
    args = parser.parse_args()
    os.environ["KERASETTE_BACKEND"] = args.backend
    import torch

    threads = torch.get_num_threads()
    print(blas_report())
    print(f"torch {torch.__version__}, threads={threads}; kerasette backend={args.backend}")
    x, y = make_data(args.samples)
    k_train, k_predict = kerasette_runs(x, y)
    t_train, t_predict = torch_runs(x, y, threads)
    train = alternate({"pytorch": t_train, "kerasette": k_train}, args.rounds)
    report(f"MLP 784-512-512-10 training, batch {BATCH}, {args.samples} samples", train,
           "pytorch")
    predict = alternate({"pytorch": t_predict, "kerasette": k_predict}, args.rounds)
    report(f"MLP predict, batch {BATCH}", predict, "pytorch")


if __name__ == "__main__":
    main()

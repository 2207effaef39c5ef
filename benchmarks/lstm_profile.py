"""Where an LSTM training batch goes: the phases of ``benchmarks/lstm.py``'s kerasette model.

Wraps the functions that carry each phase with a timer, trains three epochs of
``--samples`` samples and prints, per epoch, the milliseconds per batch of each phase and
of the whole batch (the rest is the Dense layer, the loss, metrics and Python
bookkeeping). Then the unit costs the time loops are made of: one step's gate GEMM in
either layout (batch-major ``h @ U``, units-major ``U^T @ h^T``, which the LSTM uses) and
NumPy's float32 ``exp``, ``tanh`` and ``multiply`` on a step's gates. Last, when PyTorch
is installed, its ``Adam.step()`` and whole batch on the same model. For the ratio to
PyTorch run ``lstm.py``.

    python benchmarks/lstm_profile.py [--samples 1600]
"""

from __future__ import annotations

import argparse
import collections
import time

from common import add_isa_option, blas_report, one_vector_isa
from lstm import BATCH, MAXLEN, VOCABULARY, WIDTH, make_data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1600)
    add_isa_option(parser)
    args = parser.parse_args()
    one_vector_isa(args.native_isa)

    import kerasette as keras
    from kerasette.backend import numpy_kernels
    from kerasette.ops import recurrent, recurrent_base

    spent, order = collections.defaultdict(float), []

    def timer(owner, name: str, phase: str) -> None:
        function = getattr(owner, name)

        def timed_call(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[phase] += time.perf_counter() - start

        setattr(owner, name, timed_call)
        order.append(phase)

    timer(recurrent_base.Sequence, "project_units_major", "input projection GEMM")
    timer(recurrent._LSTMLoop, "forward", "forward loop")
    timer(recurrent._LSTMLoop, "backward", "backward loop (with factors)")
    timer(numpy_kernels, "lstm_backward_factors", "  of which the factors")
    timer(recurrent_base.Sequence, "input_grad", "input gradient GEMM")
    timer(recurrent_base.Sequence, "weight_grad", "weight gradient GEMMs")
    timer(numpy_kernels, "embedding_backward", "embedding backward")
    timer(numpy_kernels, "adam_update", "Adam")

    x, y = make_data(args.samples)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((MAXLEN,), dtype="int32"),
        keras.layers.Embedding(VOCABULARY, WIDTH),
        keras.layers.LSTM(WIDTH),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x[:BATCH * 4], y[:BATCH * 4], batch_size=BATCH, epochs=1, verbose=0)
    print(blas_report())
    batches = args.samples // BATCH
    for epoch in range(3):
        spent.clear()
        start = time.perf_counter()
        model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
        total = (time.perf_counter() - start) / batches * 1e3
        phases = ", ".join(f"{phase.strip()} {spent[phase] / batches * 1e3:.1f}"
                           for phase in order)
        print(f"epoch {epoch + 1}: {total:.1f} ms per batch; {phases}")
    unit_costs()
    pytorch_adam()


def pytorch_adam() -> None:
    """PyTorch's share of the same batch: its ``Adam.step()`` and the whole batch."""
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: no PyTorch figures")
        return
    import numpy as np

    torch.manual_seed(0)
    embedding = torch.nn.Embedding(VOCABULARY, WIDTH)
    lstm = torch.nn.LSTM(WIDTH, WIDTH, batch_first=True)
    dense = torch.nn.Linear(WIDTH, 1)
    parameters = [*embedding.parameters(), *lstm.parameters(), *dense.parameters()]
    optimizer = torch.optim.Adam(parameters, lr=1e-3, eps=1e-7)
    ids = torch.randint(0, VOCABULARY, (BATCH, MAXLEN))
    steps, batches = [], []
    for index in range(60):
        start = time.perf_counter()
        outputs, _ = lstm(embedding(ids))
        optimizer.zero_grad()
        dense(outputs[:, -1]).sum().backward()
        middle = time.perf_counter()
        optimizer.step()
        end = time.perf_counter()
        if index >= 10:
            steps.append(end - middle)
            batches.append(end - start)
    print(f"PyTorch {torch.__version__} ({torch.get_num_threads()} threads), median of 50 "
          f"batches: Adam.step() {np.median(steps) * 1e3:.1f} ms, the whole batch "
          f"{np.median(batches) * 1e3:.1f} ms (no loss or metric)")


def unit_costs() -> None:
    import timeit

    import numpy as np

    rng = np.random.default_rng(0)
    h = rng.standard_normal((BATCH, WIDTH), dtype=np.float32)
    recurrent = rng.standard_normal((WIDTH, 4 * WIDTH), dtype=np.float32)
    gates = rng.standard_normal((BATCH, 4 * WIDTH), dtype=np.float32)
    out, h_out = np.empty_like(gates), np.empty_like(h)
    block, out_block = gates[:, WIDTH:2 * WIDTH], out[:, WIDTH:2 * WIDTH]  # strided views

    def microseconds(call) -> float:
        return min(timeit.repeat(call, number=1000, repeat=5)) * 1e3

    gemm = microseconds(lambda: np.matmul(h, recurrent, out=out))
    recurrent_t, h_t = np.ascontiguousarray(recurrent.T), np.ascontiguousarray(h.T)
    out_t = np.empty((4 * WIDTH, BATCH), dtype=np.float32)
    gemm_units_major = microseconds(lambda: np.matmul(recurrent_t, h_t, out=out_t))
    per_element = {name: microseconds(lambda: function(gates, out=out)) * 1e3 / gates.size
                   for name, function in [("exp", np.exp), ("tanh", np.tanh),
                                          ("negative", np.negative)]}
    strided = microseconds(lambda: np.multiply(block, h, out=out_block))
    whole = microseconds(lambda: np.multiply(h, h, out=h_out))
    costs = ", ".join(f"{name} {ns:.2f} ns" for name, ns in per_element.items())
    print(f"one step's gate GEMM: batch-major ({BATCH}x{WIDTH} @ {WIDTH}x{4 * WIDTH}) "
          f"{gemm:.1f} us, units-major ({4 * WIDTH}x{WIDTH} @ {WIDTH}x{BATCH}) "
          f"{gemm_units_major:.1f} us; per element on a step's gates: {costs}; one gate's strided block x a "
          f"contiguous array: {strided:.1f} us (contiguous: {whole:.1f} us)")


if __name__ == "__main__":
    main()

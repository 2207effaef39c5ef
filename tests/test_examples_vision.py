"""The vision examples run end to end and reach their learning outcome (reduced sizes;
the full runs reach >= 0.95 test accuracy, see the examples' docstrings)."""

from test_examples import load


def test_mnist_cnn_learns_quickly():
    accuracy = load("mnist_cnn").main(epochs=2, train_size=640, verbose=0)
    assert accuracy >= 0.65


def test_fine_tuning_freezes_then_tunes():
    result = load("fine_tuning").main(epochs=1, train_size=1000, verbose=0)
    assert result["base_unchanged"]
    assert result["source"] >= 0.3 and result["frozen"] >= 0.3
    assert result["fine_tuned"] >= result["frozen"] - 0.05

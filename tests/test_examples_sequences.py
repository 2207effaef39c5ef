"""The sequence examples run end to end, at a reduced size, and learn."""

import importlib.util
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_imdb_lstm_learns_the_generated_reviews():
    accuracy = load("imdb_lstm").main(samples=1200, epochs=3, max_features=3000, maxlen=48,
                                      units=24, use_imdb=False, verbose=0)
    assert accuracy >= 0.8


def test_addition_rnn_learns_two_digit_sums():
    """Seven hundred steps on two-digit sums get far past chance (1/12 per character) and
    past the plateau of guessing the likeliest characters (about 0.4); the full run
    (``python examples/addition_rnn.py``) reaches 0.95 on three digits, then 0.99."""
    example = load("addition_rnn")
    accuracy = example.main(training_size=3000, epochs=8, hidden=64, batch_size=32,
                            digits=2, learning_rate=0.01, verbose=0)
    assert accuracy >= 0.55
    assert example.CharacterTable(example.CHARS).decode(
        example.CharacterTable(example.CHARS).encode(["12+3"], 7)) == ["12+3   "]


def test_timeseries_forecasting_beats_the_naive_forecast():
    """Four months of generated hourly weather: the LSTM's 12-hours-ahead temperature is
    well under half the error of "it stays as it is" (full run: 0.84 vs 4.11 deg C)."""
    model_mae, naive_mae = load("timeseries_forecasting").main(
        hours=24 * 120, epochs=12, units=16, batch_size=32, learning_rate=0.005, verbose=0)
    assert model_mae < 0.5 * naive_mae

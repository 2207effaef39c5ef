"""Time-series windows: timeseries_dataset_from_array and TimeseriesGenerator against the
examples of Keras's documentation, their errors, and a forecasting fit."""

import json

import numpy as np
import pytest
from helpers import FIXTURES, fixture_module

import kerasette as keras
from kerasette.preprocessing.sequence import TimeseriesGenerator
from kerasette.utils import timeseries_dataset_from_array


def test_windows_of_the_documented_example():
    """Keras's example 1: 99 steps, windows of 10 taken every 2nd step, one every 3."""
    data = np.arange(99)
    dataset = timeseries_dataset_from_array(data, None, sequence_length=10, sampling_rate=2,
                                            sequence_stride=3, batch_size=None)
    windows = np.stack(list(dataset))
    assert len(dataset) == 27 and windows.shape == (27, 10)
    np.testing.assert_array_equal(windows[0], np.arange(0, 20, 2))
    np.testing.assert_array_equal(windows[1], np.arange(3, 23, 2))
    np.testing.assert_array_equal(windows[2], np.arange(6, 26, 2))
    np.testing.assert_array_equal(windows[-1], np.arange(78, 98, 2))


def test_windows_match_tf_keras():
    """Windows, targets and batches as tf-keras 2.21 yields them (strides, sampling rates,
    start/end indices, short targets)."""
    cases = fixture_module("timeseries_cases")
    expected = json.loads((FIXTURES / "tf_keras" / "timeseries.json").read_text())
    for case, items in zip(cases.CASES, expected, strict=True):
        assert cases.as_lists(timeseries_dataset_from_array(**case)) == items


def test_temporal_regression_batches_and_index_range():
    """Keras's example 2: the window starting at i is paired with targets[i]."""
    series = np.arange(100, dtype="float32")
    dataset = timeseries_dataset_from_array(series[:-10], series[10:], sequence_length=10,
                                            batch_size=32)
    batches = list(dataset)
    assert len(dataset) == 3 and [len(b[1]) for b in batches] == [32, 32, 17]
    windows = np.concatenate([b[0] for b in batches])
    targets = np.concatenate([b[1] for b in batches])
    np.testing.assert_array_equal(windows, np.arange(81)[:, None] + np.arange(10))
    np.testing.assert_array_equal(targets, np.arange(81) + 10)
    (first,) = dataset.take(1)
    np.testing.assert_array_equal(first[0], batches[0][0])
    part = timeseries_dataset_from_array(np.arange(50), np.arange(50) * 10,
                                         sequence_length=4, start_index=5, end_index=20,
                                         batch_size=None)
    starts = [int(w[0]) for w, _ in part]
    assert starts == list(range(5, 17))  # the last window ends at step 19
    assert all(t == 10 * w[0] for w, t in part)


def test_shuffle_draws_every_window_in_a_new_order_each_epoch():
    data = np.arange(60).reshape(30, 2)
    plain = timeseries_dataset_from_array(data, None, sequence_length=3, batch_size=4)
    shuffled = timeseries_dataset_from_array(data, None, sequence_length=3, batch_size=4,
                                             shuffle=True, seed=3)
    ordered = np.concatenate(list(plain))
    first = np.concatenate(list(shuffled))
    shuffled.on_epoch_end()
    second = np.concatenate(list(shuffled))
    assert first.shape == (28, 3, 2)
    for epoch in (first, second):
        assert not np.array_equal(epoch, ordered)
        np.testing.assert_array_equal(np.sort(epoch[:, 0, 0]), ordered[:, 0, 0])
    assert not np.array_equal(first, second)
    again = timeseries_dataset_from_array(data, None, sequence_length=3, batch_size=4,
                                          shuffle=True, seed=3)
    np.testing.assert_array_equal(np.concatenate(list(again)), first)


@pytest.mark.parametrize("kwargs,message", [
    (dict(sequence_length=0), r"`sequence_length` must be a positive integer.*=0"),
    (dict(sequence_length=3, sampling_rate=0), r"`sampling_rate`.*=0"),
    (dict(sequence_length=3, sequence_stride=-1), r"`sequence_stride`.*=-1"),
    (dict(sequence_length=3, start_index=10), r"`start_index`.*\(10\).*start_index=10"),
    (dict(sequence_length=3, start_index=4, end_index=4), r"`end_index`.*end_index=4"),
])
def test_bad_window_arguments_name_themselves(kwargs, message):
    with pytest.raises(ValueError, match=message):
        timeseries_dataset_from_array(np.arange(10), None, **kwargs)


def test_an_lstm_forecasts_a_sine_wave_from_windows():
    """The weather-forecasting tutorial's flow on a synthetic series: windows for fit and
    validation, the next value as the target."""
    keras.utils.set_random_seed(0)
    steps = np.arange(1200)
    series = np.sin(steps * 0.1).astype("float32")[:, None]
    past = 20
    train = timeseries_dataset_from_array(series[:-past][:900], series[past:][:900, 0],
                                          sequence_length=past, batch_size=32, shuffle=True,
                                          seed=1)
    val = timeseries_dataset_from_array(series[900:-past], series[900 + past:, 0],
                                        sequence_length=past, batch_size=64)
    for inputs, targets in train.take(1):
        assert inputs.shape == (32, past, 1) and targets.shape == (32,)
    for x, y in val.take(1):  # the tutorial plots x[0][:, 1].numpy() against y[0].numpy()
        np.testing.assert_array_equal(x[0][:, 0].numpy(), series[900:900 + past, 0])
        assert float(y[0].numpy()) == series[900 + past, 0]
    model = keras.Sequential([keras.Input((past, 1)), keras.layers.LSTM(16),
                              keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    history = model.fit(train, epochs=4, validation_data=val, verbose=0)
    assert history.history["val_loss"][-1] < 0.01 < history.history["loss"][0]


def test_timeseries_generator_follows_keras_2():
    """Keras 2's documented example, then stride, reverse, end_index and shuffle."""
    data = np.array([[i] for i in range(50)])
    targets = np.array([[i] for i in range(50)])
    generator = TimeseriesGenerator(data, targets, length=10, sampling_rate=2, batch_size=2)
    assert len(generator) == 20
    x, y = generator[0]
    np.testing.assert_array_equal(x, [[[0], [2], [4], [6], [8]], [[1], [3], [5], [7], [9]]])
    np.testing.assert_array_equal(y, [[10], [11]])
    x, y = generator[19]
    np.testing.assert_array_equal(y, [[48], [49]])
    strided = TimeseriesGenerator(data, targets, length=5, stride=3, end_index=30,
                                  reverse=True, batch_size=4)
    x, y = strided[0]
    np.testing.assert_array_equal(y[:, 0], [5, 8, 11, 14])
    np.testing.assert_array_equal(x[1, :, 0], [7, 6, 5, 4, 3])
    assert len(strided) == 3 and strided[2][1][:, 0].tolist() == [29]
    np.random.seed(0)
    x, y = TimeseriesGenerator(data, targets, length=10, shuffle=True, batch_size=8)[0]
    assert x.shape == (8, 10, 1) and np.all(x[:, -1, 0] + 1 == y[:, 0])
    with pytest.raises(ValueError, match="Data length is 50 while target length is 49"):
        TimeseriesGenerator(data, targets[1:], length=10)
    with pytest.raises(ValueError, match=r"`start_index\+length=60 > end_index=49`"):
        TimeseriesGenerator(data, targets, length=60)

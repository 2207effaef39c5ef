"""Callbacks driven by a fake model through a simulated Keras 3 fit loop."""

import math
import re
import sys
import warnings
from collections.abc import Mapping

import numpy as np
import pytest

import kerasette as keras
from kerasette import callbacks as cb
from kerasette.autograd import Tensor


class FakeOptimizer:
    def __init__(self, learning_rate=0.01):
        self.learning_rate = learning_rate


class FakeModel:
    """What callbacks see of a model: stop_training, optimizer, weights, history."""

    def __init__(self, learning_rate=0.01, metrics=()):
        self.stop_training = False
        self.optimizer = FakeOptimizer(learning_rate)
        self.weights = [np.zeros(3)]
        self.metrics = list(metrics)
        self.history = None

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w) for w in weights]


def fit(callbacks, epoch_logs, model=None, steps=2, batch_loss=None, verbose=0,
        validation=False):
    """Runs the hooks as Keras's fit does. After epoch i the weights are all i.

    ``epoch_logs[i]`` are the logs of epoch i; ``batch_loss(epoch, batch)`` gives the
    loss in the batch logs (default 1.0). Returns the model.
    """
    model = model or FakeModel()
    callback_list = cb.CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                                    model=model, epochs=len(epoch_logs), steps=steps,
                                    verbose=verbose)
    model.stop_training = False
    callback_list.on_train_begin()
    for epoch, logs in enumerate(epoch_logs):
        callback_list.on_epoch_begin(epoch)
        for batch in range(steps):
            callback_list.on_train_batch_begin(batch)
            loss = batch_loss(epoch, batch) if batch_loss else 1.0
            callback_list.on_train_batch_end(batch, {"loss": loss})
        model.weights = [np.full(3, float(epoch))]
        if validation:
            callback_list.on_test_begin()
            callback_list.on_test_batch_begin(0)
            callback_list.on_test_batch_end(0, {"loss": 9.0})
            callback_list.on_test_end({"loss": 9.0})
        callback_list.on_epoch_end(epoch, dict(logs))
        if model.stop_training:
            break
    callback_list.on_train_end()
    return model


def val_losses(values):
    return [{"loss": 1.0, "val_loss": v} for v in values]


# ---------------------------------------------------------------- base and list


class Recorder(cb.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def __getattribute__(self, name):
        if name.startswith("on_"):
            calls = object.__getattribute__(self, "calls")
            original = object.__getattribute__(self, name)

            def record(*args, **kwargs):
                calls.append(name)
                return original(*args, **kwargs)
            return record
        return object.__getattribute__(self, name)


def test_callback_list_dispatches_every_hook_and_batch_aliases():
    recorder = Recorder()
    callback_list = cb.CallbackList([recorder])
    hooks = ["on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
             "on_predict_begin", "on_predict_end"]
    for hook in hooks:
        getattr(callback_list, hook)({})
    for hook in ["on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
                 "on_train_batch_end", "on_test_batch_begin", "on_test_batch_end",
                 "on_predict_batch_begin", "on_predict_batch_end", "on_batch_begin",
                 "on_batch_end"]:
        getattr(callback_list, hook)(0, {})
        hooks.append(hook)
    assert set(hooks) <= set(recorder.calls)
    # The train batch hooks call the Keras 2 spellings.
    start = recorder.calls.index("on_train_batch_begin")
    assert recorder.calls[start + 1] == "on_batch_begin"
    start = recorder.calls.index("on_train_batch_end")
    assert recorder.calls[start + 1] == "on_batch_end"


def test_keras2_on_batch_end_override_runs_for_train_batches():
    seen = []

    class Old(cb.Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append((batch, logs["loss"]))

    fit([Old()], val_losses([1.0]), steps=3, batch_loss=lambda e, b: b * 0.5)
    assert seen == [(0, 0.0), (1, 0.5), (2, 1.0)]


def test_callback_list_adds_history_and_progbar_once_and_sets_params_and_model():
    model = FakeModel()
    callback_list = cb.CallbackList(None, add_history=True, add_progbar=True, model=model,
                                    epochs=3, steps=7, verbose=2)
    kinds = [type(c) for c in callback_list.callbacks]
    assert kinds == [cb.History, cb.ProgbarLogger]
    assert model.history is callback_list.callbacks[0]
    for callback in callback_list.callbacks:
        assert callback.model is model
        assert callback.params == {"epochs": 3, "steps": 7, "verbose": 2}
    history, progbar = cb.History(), cb.ProgbarLogger()
    callback_list = cb.CallbackList([[history], progbar], add_history=True,
                                    add_progbar=True)
    assert callback_list.callbacks == [history, progbar]
    assert len(callback_list) == 2 and list(callback_list) == [history, progbar]


def test_callback_list_rejects_non_callbacks():
    with pytest.raises(TypeError, match="Callback"):
        cb.CallbackList([lambda epoch: None])


def test_model_can_be_assigned_keras2_style():
    callback = cb.Callback()
    model = FakeModel()
    callback.model = model
    assert callback.model is model and callback.params is None


# ---------------------------------------------------------------- History


def test_history_records_epochs_as_floats_and_resets():
    logs = [{"loss": Tensor(np.float32(0.5)), "val_loss": 0.75},
            {"loss": Tensor(np.float32(0.25)), "val_loss": 0.5}]
    model = fit([], logs)
    history = model.history
    assert isinstance(history, cb.History)
    assert history.epoch == [0, 1]
    assert history.history == {"loss": [0.5, 0.25], "val_loss": [0.75, 0.5]}
    assert all(type(v) is float for v in history.history["loss"])
    history.on_train_begin()
    assert history.history == {} and history.epoch == []


# ---------------------------------------------------------------- EarlyStopping


def test_early_stopping_patience_counts_epochs_without_improvement():
    stop = cb.EarlyStopping(patience=2)
    model = fit([stop], val_losses([1.0, 0.9, 0.95, 0.92, 0.91, 0.5]))
    # best 0.9 at epoch 1; epochs 2 and 3 do not improve: wait reaches 2 at epoch 3.
    assert model.stop_training and stop.stopped_epoch == 3
    assert model.history.epoch == [0, 1, 2, 3]
    assert stop.best == 0.9 and stop.best_epoch == 1


def test_early_stopping_patience_zero_stops_at_first_non_improvement():
    stop = cb.EarlyStopping(monitor="loss", patience=0)
    fit([stop], [{"loss": v} for v in [3.0, 2.0, 2.0, 1.0]])
    assert stop.stopped_epoch == 2


def test_early_stopping_min_delta():
    stop = cb.EarlyStopping(min_delta=0.1, patience=1)
    fit([stop], val_losses([1.0, 0.95, 0.92, 0.5]))
    # 0.95 + 0.1 is not below 1.0: no improvement, wait 1 >= patience at epoch 1.
    assert stop.stopped_epoch == 1
    stop = cb.EarlyStopping(min_delta=-0.01, patience=1)  # the sign is ignored
    fit([stop], val_losses([1.0, 0.995, 0.98, 0.5]))
    assert stop.stopped_epoch == 1


def test_early_stopping_baseline_must_be_beaten_to_reset_wait():
    stop = cb.EarlyStopping(patience=2)
    fit([stop], val_losses([0.8, 0.9, 0.9, 0.9]))
    assert stop.stopped_epoch == 2
    stop = cb.EarlyStopping(patience=2, baseline=0.5)
    fit([stop], val_losses([0.8, 0.9, 0.9, 0.9]))
    # epoch 0 improves on "no best" but not on the baseline: wait stays 1, reaches 2.
    assert stop.stopped_epoch == 1
    stop = cb.EarlyStopping(patience=2, baseline=0.85)
    fit([stop], val_losses([0.8, 0.9, 0.9, 0.9]))
    assert stop.stopped_epoch == 2


def test_early_stopping_restore_best_weights(capsys):
    stop = cb.EarlyStopping(patience=2, restore_best_weights=True, verbose=1)
    model = fit([stop], val_losses([1.0, 0.7, 0.8, 0.9, 0.1]))
    np.testing.assert_array_equal(model.weights[0], np.full(3, 1.0))
    out = capsys.readouterr().out
    assert "Epoch 4: early stopping" in out
    assert "Restoring model weights from the end of the best epoch: 2." in out


def test_early_stopping_restores_even_without_stopping():
    stop = cb.EarlyStopping(patience=5, restore_best_weights=True)
    model = fit([stop], val_losses([1.0, 0.4, 0.6]))
    assert not model.stop_training
    np.testing.assert_array_equal(model.weights[0], np.full(3, 1.0))


def test_early_stopping_start_from_epoch():
    losses = val_losses([0.1, 0.2, 0.3, 0.4, 0.5])
    stop = cb.EarlyStopping(patience=1)
    fit([stop], losses)
    assert stop.stopped_epoch == 1
    stop = cb.EarlyStopping(patience=1, start_from_epoch=2)
    fit([stop], losses)
    assert stop.stopped_epoch == 3 and stop.best == 0.3


@pytest.mark.parametrize("monitor, values, expected_stop", [
    ("val_accuracy", [0.5, 0.6, 0.55, 0.7], 2),
    ("val_auc", [0.5, 0.6, 0.55, 0.7], 2),
    ("val_mae", [0.5, 0.6, 0.55, 0.7], 1),
    ("loss", [0.5, 0.6, 0.55, 0.7], 1),
])
def test_early_stopping_auto_mode(monitor, values, expected_stop):
    stop = cb.EarlyStopping(monitor=monitor, patience=0)
    fit([stop], [{"loss": 1.0, monitor: v} for v in values])
    assert stop.stopped_epoch == expected_stop


def test_early_stopping_auto_mode_uses_metric_direction_and_rejects_unknown():
    class Metric:
        name = "custom_score"
        _direction = "up"

    class Container:
        metrics = [Metric()]

    stop = cb.EarlyStopping(monitor="val_custom_score", patience=0)
    model = FakeModel(metrics=[Container()])
    fit([stop], [{"val_custom_score": v} for v in [1.0, 2.0, 1.5]], model=model)
    assert stop.stopped_epoch == 2
    stop = cb.EarlyStopping(monitor="val_custom_score")
    with pytest.raises(ValueError, match="mode='max'"):
        fit([stop], [{"val_custom_score": 1.0}])
    stop = cb.EarlyStopping(monitor="val_custom_score", mode="max", patience=0)
    fit([stop], [{"val_custom_score": v} for v in [1.0, 2.0, 1.5]])
    assert stop.stopped_epoch == 2


def test_early_stopping_warns_on_missing_monitor_and_unknown_mode():
    stop = cb.EarlyStopping(monitor="val_loss")
    with pytest.warns(UserWarning, match="`val_loss` which is not available"):
        model = fit([stop], [{"loss": 1.0}, {"loss": 2.0}])
    assert not model.stop_training
    with pytest.warns(UserWarning, match="unknown"):
        stop = cb.EarlyStopping(mode="sideways")
    assert stop.mode == "auto"


def test_early_stopping_resets_between_fits():
    stop = cb.EarlyStopping(patience=1)
    fit([stop], val_losses([1.0, 2.0, 3.0]))
    assert stop.stopped_epoch == 1
    fit([stop], val_losses([5.0, 4.0, 3.0]))
    assert stop.stopped_epoch == 0 and stop.best == 3.0


# ---------------------------------------------------------------- ReduceLROnPlateau


def test_reduce_lr_on_plateau_patience_and_cooldown():
    reduce = cb.ReduceLROnPlateau(factor=0.5, patience=2, cooldown=1)
    model = fit([reduce], val_losses([1.0] * 7))
    # Hand count: epoch 0 sets best; wait reaches 2 at epoch 2 -> 0.005 and cooldown 1;
    # epoch 3 spends the cooldown (wait 0) then counts 1; epoch 4 -> 0.0025; 6 -> 0.00125.
    expected = [0.01, 0.01, 0.01, 0.005, 0.005, 0.0025, 0.0025]
    np.testing.assert_allclose(model.history.history["learning_rate"], expected)
    assert model.optimizer.learning_rate == pytest.approx(0.00125)


def test_reduce_lr_on_plateau_improvement_resets_wait_and_min_delta():
    reduce = cb.ReduceLROnPlateau(factor=0.1, patience=2)
    model = fit([reduce], val_losses([1.0, 0.9, 1.0, 0.8, 0.85, 0.80005]))
    # 0.80005 is not below 0.8 - 1e-4: epochs 4 and 5 make wait 2 -> one reduction.
    assert model.optimizer.learning_rate == pytest.approx(0.001)
    assert reduce.best == 0.8


def test_reduce_lr_on_plateau_min_lr_and_max_mode(capsys):
    reduce = cb.ReduceLROnPlateau(monitor="val_accuracy", factor=0.1, patience=1,
                                  min_lr=0.005, verbose=1)
    logs = [{"val_accuracy": v} for v in [0.5, 0.6, 0.6, 0.7, 0.7, 0.7]]
    model = fit([reduce], logs)
    # Increasing accuracy is an improvement; epoch 2 reduces to max(0.001, 0.005).
    assert model.optimizer.learning_rate == 0.005
    out = capsys.readouterr().out
    assert "Epoch 3: ReduceLROnPlateau reducing learning rate to 0.005." in out


def test_reduce_lr_on_plateau_reads_variable_like_learning_rate():
    reduce = cb.ReduceLROnPlateau(factor=0.5, patience=0)
    model = FakeModel(learning_rate=Tensor(np.float32(0.25)))
    fit([reduce], val_losses([1.0, 1.0]), model=model)
    assert isinstance(model.optimizer.learning_rate, float)
    assert model.optimizer.learning_rate == 0.125


def test_reduce_lr_on_plateau_validates():
    with pytest.raises(ValueError, match="factor >= 1.0"):
        cb.ReduceLROnPlateau(factor=1.0)
    with pytest.warns(UserWarning, match="min_delta"):
        reduce = cb.ReduceLROnPlateau(epsilon=0.5)
    assert reduce.min_delta == 0.5
    reduce = cb.ReduceLROnPlateau(monitor="val_loss")
    with pytest.warns(UserWarning, match="`val_loss` which is not available"):
        fit([reduce], [{"loss": 1.0}])


# ---------------------------------------------------------------- scheduler, NaN


def test_learning_rate_scheduler_two_argument_schedule():
    scheduler = cb.LearningRateScheduler(lambda epoch, lr: lr if epoch < 2 else lr * 0.5)
    model = fit([scheduler], val_losses([1.0] * 4), model=FakeModel(learning_rate=0.2))
    np.testing.assert_allclose(model.history.history["learning_rate"],
                               [0.2, 0.2, 0.1, 0.05])


def test_learning_rate_scheduler_one_argument_schedule_and_verbose(capsys):
    scheduler = cb.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1), verbose=1)
    model = fit([scheduler], val_losses([1.0] * 3))
    assert model.optimizer.learning_rate == pytest.approx(0.1 / 3)
    out = capsys.readouterr().out
    assert "Epoch 2: LearningRateScheduler setting learning rate to 0.05." in out


def test_learning_rate_scheduler_rejects_non_float():
    scheduler = cb.LearningRateScheduler(lambda epoch: "fast")
    with pytest.raises(ValueError, match="should be a float"):
        fit([scheduler], val_losses([1.0]))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_terminate_on_nan(bad, capsys):
    losses = {(1, 1): bad}
    model = fit([cb.TerminateOnNaN()], val_losses([1.0] * 4), steps=3,
                batch_loss=lambda e, b: Tensor(np.float32(losses.get((e, b), 0.5))))
    assert model.stop_training and model.history.epoch == [0, 1]
    assert "Batch 1: Invalid loss, terminating training" in capsys.readouterr().out


def test_terminate_on_nan_leaves_finite_losses_alone():
    model = fit([cb.TerminateOnNaN()], val_losses([1.0] * 3), steps=3)
    assert not model.stop_training and model.history.epoch == [0, 1, 2]


# ---------------------------------------------------------------- CSVLogger, Lambda


def test_csv_logger_writes_sorted_columns(tmp_path):
    path = tmp_path / "log.csv"
    logs = [{"val_loss": 0.75, "loss": Tensor(np.float32(0.5))},
            {"val_loss": 0.5, "loss": 0.25}]
    fit([cb.CSVLogger(path)], logs)
    assert path.read_text().splitlines() == [
        "epoch,loss,val_loss", "0,0.5,0.75", "1,0.25,0.5"]


def test_csv_logger_adds_val_columns_separator_and_append(tmp_path):
    path = tmp_path / "log.csv"
    fit([cb.CSVLogger(path, separator=";")], [{"loss": 2.0}, {"loss": 1.0}])
    assert path.read_text().splitlines() == [
        "epoch;loss;val_loss", "0;2.0;NA", "1;1.0;NA"]
    fit([cb.CSVLogger(path, separator=";", append=True)], [{"loss": 0.5}])
    assert path.read_text().splitlines()[-2:] == ["1;1.0;NA", "0;0.5;NA"]
    fit([cb.CSVLogger(path)], [{"loss": 0.5, "val_loss": 0.25}])
    assert path.read_text().splitlines() == ["epoch,loss,val_loss", "0,0.5,0.25"]


def test_lambda_callback_calls_given_functions():
    events = []
    callback = cb.LambdaCallback(
        on_train_begin=lambda logs: events.append("begin"),
        on_epoch_end=lambda epoch, logs: events.append(("epoch", epoch, logs["val_loss"])),
        on_batch_end=lambda batch, logs: events.append(("batch", batch)),
        on_train_end=lambda logs: events.append("end"))
    fit([callback], val_losses([0.3, 0.2]), steps=1)
    assert events == ["begin", ("batch", 0), ("epoch", 0, 0.3), ("batch", 0),
                      ("epoch", 1, 0.2), "end"]
    with pytest.raises(TypeError, match="on_epoch_ned"):
        cb.LambdaCallback(on_epoch_ned=print)


# ---------------------------------------------------------------- ProgbarLogger


@pytest.mark.parametrize("value, text", [
    (0.123456, "0.1235"), (1234.5, "1234.5000"), (-0.5, "-0.5000"),
    (0.0005, "5.0000e-04"), (0.0, "0.0000e+00"), (math.nan, "nan"), (math.inf, "inf"),
    (Tensor(np.float32(0.25)), "0.2500"), (np.float64(2.0), "2.0000"), ("x", "x"),
])
def test_keras_number_format(value, text):
    from kerasette.callbacks.callback import format_log_value
    assert format_log_value(value) == text


def test_step_time_format():
    from kerasette.callbacks.progbar_logger import format_step_time
    assert format_step_time(2.4) == "2s/step"
    assert format_step_time(0.031) == "31ms/step"
    assert format_step_time(0.00045) == "450us/step"
    assert format_step_time(0.0) == "0s/step"


def _bar_lines(err):
    return [line.strip() for line in re.split(r"[\r\n]", err) if line.strip()]


def test_progbar_verbose_1_prints_epochs_and_final_logs(capsys):
    pytest.importorskip("tqdm")
    logs = [{"loss": 0.5, "val_loss": 0.0005}, {"loss": 0.25, "val_loss": 0.125}]
    fit([], logs, steps=3, verbose=1, validation=True,
        batch_loss=lambda e, b: Tensor(np.float32(0.75)))
    captured = capsys.readouterr()
    assert captured.out == "Epoch 1/2\nEpoch 2/2\n"
    finals = [line for line in _bar_lines(captured.err) if "3/3" in line]
    assert finals[-1].endswith("loss: 0.2500 - val_loss: 0.1250]")
    assert any(line.endswith("loss: 0.5000 - val_loss: 5.0000e-04]") for line in finals)
    assert "9.0000" not in captured.err  # validation inside fit shows no bar


def test_progbar_verbose_1_single_epoch_has_no_epoch_line(capsys):
    pytest.importorskip("tqdm")
    fit([], [{"loss": 0.5}], steps=2, verbose=1)
    captured = capsys.readouterr()
    assert captured.out == ""
    last = _bar_lines(captured.err)[-1]
    assert "2/2" in last and last.endswith("loss: 0.5000]")


class CountingLogs(Mapping):
    """Batch logs that count how often a value is read."""

    def __init__(self):
        self.reads = 0

    def __getitem__(self, key):
        self.reads += 1
        return 0.5

    def __iter__(self):
        return iter(["loss"])

    def __len__(self):
        return 1


@pytest.mark.parametrize("mininterval, expected_reads", [(3600.0, 0), (0.0, 4)])
def test_progbar_reads_batch_logs_only_to_draw_them(capsys, mininterval, expected_reads):
    pytest.importorskip("tqdm")
    progbar = cb.ProgbarLogger()
    progbar.mininterval = mininterval
    callback_list = cb.CallbackList([progbar], epochs=1, steps=4, verbose=1)
    logs = CountingLogs()
    callback_list.on_train_begin()
    callback_list.on_epoch_begin(0)
    for batch in range(4):
        callback_list.on_train_batch_end(batch, logs)
    assert logs.reads == expected_reads
    callback_list.on_epoch_end(0, {"loss": 0.5})
    callback_list.on_train_end()
    assert _bar_lines(capsys.readouterr().err)[-1].endswith("loss: 0.5000]")


def test_progbar_verbose_2_prints_one_line_per_epoch(capsys):
    logs = [{"loss": 0.5, "val_loss": 0.0005}, {"loss": 0.25, "val_loss": 0.125}]
    fit([], logs, steps=12, verbose=2, validation=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    pattern = r"12/12 - \d+s - \d+(us|ms|s)/step - loss: {} - val_loss: {}"
    assert re.fullmatch(pattern.format(r"0\.5000", r"5\.0000e-04"), lines[1])
    assert re.fullmatch(pattern.format(r"0\.2500", r"0\.1250"), lines[3])
    assert len(lines) == 4


def test_progbar_verbose_2_learns_unknown_steps(capsys):
    callback_list = cb.CallbackList([], add_progbar=True, epochs=2, steps=None, verbose=2)
    callback_list.on_train_begin()
    for epoch in range(2):
        callback_list.on_epoch_begin(epoch)
        for batch in range(5):
            callback_list.on_train_batch_end(batch, {"loss": 1.0})
        callback_list.on_epoch_end(epoch, {"loss": 1.0})
    callback_list.on_train_end()
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("5/5 - ") and lines[3].startswith("5/5 - ")


def test_progbar_evaluate_and_predict_outside_fit(capsys):
    pytest.importorskip("tqdm")
    evaluate = cb.CallbackList([], add_progbar=True, epochs=1, steps=2, verbose=1)
    evaluate.on_test_begin()
    for batch in range(2):
        evaluate.on_test_batch_end(batch, {"loss": 0.5})
    evaluate.on_test_end({"loss": 0.5, "mae": 0.25})
    assert _bar_lines(capsys.readouterr().err)[-1].endswith("loss: 0.5000 - mae: 0.2500]")
    predict = cb.CallbackList([], add_progbar=True, epochs=1, steps=3, verbose=1)
    predict.on_predict_begin()
    for batch in range(3):
        predict.on_predict_batch_end(batch, {"outputs": np.zeros(2)})
    predict.on_predict_end()
    last = _bar_lines(capsys.readouterr().err)[-1]
    assert "3/3" in last and "outputs" not in last
    evaluate = cb.CallbackList([], add_progbar=True, epochs=1, steps=2, verbose=2)
    evaluate.on_test_begin()
    for batch in range(2):
        evaluate.on_test_batch_end(batch, {"loss": 0.5})
    evaluate.on_test_end({"loss": 0.5})
    assert re.fullmatch(r"2/2 - \d+s - \d+(us|ms|s)/step - loss: 0\.5000\n",
                        capsys.readouterr().out)


def test_progbar_verbose_0_is_silent(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit([cb.ProgbarLogger()], [{"loss": 0.5}] * 2, verbose=0)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def _tiny_model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model, np.ones((8, 3), "float32"), np.zeros((8, 1), "float32")


def test_verbose_auto_prints_one_line_per_epoch_into_a_log(capsys):
    """Output that is no terminal (a log file, CI) gets Keras's verbose=2 lines, not a
    bar's carriage-return frames."""
    model, x, y = _tiny_model()
    model.fit(x, y, epochs=2, batch_size=4)  # verbose="auto"; pytest's capture is no tty
    captured = capsys.readouterr()
    assert "\r" not in captured.out + captured.err
    lines = captured.out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert re.fullmatch(r"2/2 - \d+s - \d+(s|ms|us)/step - loss: [\d.e+-]+", lines[1])


def test_verbose_auto_draws_the_bar_in_a_terminal(capsys, monkeypatch):
    from kerasette.callbacks.progbar_logger import resolve_verbose

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    assert resolve_verbose("auto") == 1
    assert resolve_verbose(0) == 0 and resolve_verbose(2) == 2

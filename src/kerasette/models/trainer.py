"""The training loop: ``compile``, ``fit``, ``evaluate``, ``predict`` and the batch methods.

``fit`` orchestrates (data, callbacks, epochs, validation); one ``train_step`` does the
work of a batch: forward, loss, backward, ``optimizer.apply``, metric updates.
"""

from __future__ import annotations

from collections.abc import Mapping

from .. import backend, callbacks as callbacks_module, optimizers
from ..autograd import enable_grad, gradients, no_grad
from ..callbacks.progbar_logger import resolve_verbose
from ..layers.symbolic import flatten
from .compile_utils import CompileState
from .data import make_adapter, preload, split_for_validation, unpack
from .legacy import keras1_arguments

__all__ = ["Trainer"]


class _LazyLogs(Mapping):
    """Batch logs whose values are read from the metrics only when someone looks."""

    def __init__(self, metrics):
        self._metrics = {m.name: m for m in metrics}

    def __getitem__(self, key):
        return float(self._metrics[key].result())

    def __iter__(self):
        return iter(self._metrics)

    def __len__(self):
        return len(self._metrics)


def _as_list(structure) -> list:
    if structure is None:
        return [None]
    if isinstance(structure, dict):
        return list(structure.values())
    return flatten(structure) if isinstance(structure, (list, tuple)) else [structure]


class Trainer:
    """The compile/fit/evaluate/predict half of ``Model``."""

    def _init_trainer(self) -> None:
        self.optimizer = None
        self.compiled = False
        self.stop_training = False
        self.history = None
        self._compile_state: CompileState | None = None

    # ---- compile --------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True, **kwargs):
        """Configures the model for training.

        Args:
            optimizer: name or optimizer instance (default ``"rmsprop"``).
            loss: name, function or ``Loss``; or a list/dict with one per output.
            loss_weights: optional list/dict of scalar weights, one per output.
            metrics: names, functions or ``Metric`` objects (a list, or a list/dict per
                output); ``"accuracy"`` is resolved from the loss and the data's shapes.
            weighted_metrics: metrics that take ``sample_weight`` / ``class_weight``.
        """
        kwargs.pop("sample_weight_mode", None)
        if kwargs:
            raise TypeError(f"compile() got unexpected keyword arguments {sorted(kwargs)}.")
        if loss is None:
            raise ValueError("compile() needs a `loss`, e.g. loss='mse' or "
                             "loss='sparse_categorical_crossentropy'.")
        self.optimizer = optimizers.get(optimizer)
        self._compile_state = CompileState(loss, loss_weights, metrics, weighted_metrics)
        self.compiled = True
        self.stop_training = False

    def _assert_compiled(self, method: str) -> None:
        if not self.compiled:
            raise RuntimeError(f"You must call `compile()` before calling `{method}()` on "
                               f"model '{self.name}'.")

    @property
    def metrics(self) -> list:
        state = self._compile_state
        return state.all_metrics if state is not None and state.built else []

    @property
    def metrics_names(self) -> list[str]:
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        for metric in self.metrics:
            metric.reset_state()

    def _output_names(self) -> list[str]:
        names = getattr(self, "output_names", None)
        return list(names) if names else ["output"]

    # ---- one batch --------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
        """Total loss of a batch: the compiled losses plus ``model.losses`` (penalties)."""
        return self._loss_terms(y, y_pred, sample_weight)[0]

    def _loss_terms(self, y, y_pred, sample_weight):
        """The total loss, and what the metric update needs: per-output losses, targets,
        predictions and sample weights, each as a list over the outputs."""
        state = self._compile_state
        y_true, predictions = _as_list(y), _as_list(y_pred)
        weights = _as_list(sample_weight) if isinstance(sample_weight, (list, tuple, dict)) \
            else [sample_weight] * len(predictions)
        if not state.built:
            if len(y_true) != len(predictions):
                raise ValueError(f"Model '{self.name}' has {len(predictions)} outputs but "
                                 f"`y` holds {len(y_true)} targets.")
            state.build(self._output_names(), y_true, predictions)
        total, parts = state.compute_loss(y_true, predictions, weights)
        for penalty in self.losses:
            total = total + penalty
        return total, (parts, y_true, predictions, weights)

    def train_step(self, x, y, sample_weight=None) -> None:
        """Forward, loss, backward and optimizer update for one batch."""
        with enable_grad():
            y_pred = self(x, training=True)
            loss, terms = self._loss_terms(y, y_pred, sample_weight)
        variables = self.trainable_weights
        if variables and loss.requires_grad:
            self.optimizer.apply(gradients(loss, variables), variables)
        self._update_metrics(loss, terms, x)

    def test_step(self, x, y, sample_weight=None) -> None:
        """Forward and loss for one batch, without gradients; updates the metrics."""
        y_pred = self(x, training=False)
        loss, terms = self._loss_terms(y, y_pred, sample_weight)
        self._update_metrics(loss, terms, x)

    def predict_step(self, x):
        return self(x, training=False)

    def _update_metrics(self, loss, terms, x) -> None:
        parts, y_true, y_pred, weights = terms
        batch_size = len(flatten(x)[0])
        self._compile_state.update(loss, parts, y_true, y_pred, weights, batch_size)

    def _epoch_logs(self) -> dict:
        return {m.name: float(m.result()) for m in self.metrics}

    # ---- fit / evaluate / predict ---------------------------------------------------------
    @keras1_arguments("fit", nb_epoch="epochs")
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, **kwargs):
        """Trains the model for ``epochs`` epochs; returns a ``History``.

        Accepts arrays (or lists/dicts of arrays), a generator yielding ``(x, y)`` /
        ``(x, y, sample_weight)``, or a ``keras.utils.Sequence``. Keras 1's ``nb_epoch``
        is accepted with a warning.
        """
        self._assert_compiled("fit")
        for ignored in ("max_queue_size", "workers", "use_multiprocessing"):
            kwargs.pop(ignored, None)
        if kwargs:
            raise TypeError(f"fit() got unexpected keyword arguments {sorted(kwargs)}.")
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = split_for_validation(
                x, y, sample_weight, validation_split)
        data = make_adapter(x, y, sample_weight, batch_size, shuffle, class_weight,
                            steps_per_epoch)
        validation = None
        if validation_data is not None:
            parts = unpack(tuple(validation_data) if isinstance(
                validation_data, (list, tuple)) else validation_data)
            validation = tuple(preload(part) for part in parts)  # uploaded once per fit
        verbose = resolve_verbose(verbose)
        callback_list = callbacks_module.CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self,
            verbose=verbose, epochs=epochs, steps=data.num_batches)
        self.stop_training = False
        callback_list.on_train_begin()
        logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            callback_list.on_epoch_begin(epoch)
            for step, (xb, yb, wb) in enumerate(data.epoch()):
                callback_list.on_train_batch_begin(step)
                self.train_step(xb, yb, wb)
                callback_list.on_train_batch_end(step, _LazyLogs(self.metrics))
                if self.stop_training:
                    break
            data.on_epoch_end()
            logs = self._epoch_logs()
            if validation is not None and (epoch + 1) % validation_freq == 0:
                val_x, val_y, val_w = validation
                val_logs = self.evaluate(val_x, val_y, sample_weight=val_w, verbose=0,
                                         batch_size=validation_batch_size or batch_size,
                                         steps=validation_steps, return_dict=True,
                                         _in_fit=True)
                logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callback_list.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        callback_list.on_train_end(logs)
        return self.history

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, _in_fit=False, **kwargs):
        """Loss and metric values over the data: a scalar, a list, or a dict."""
        self._assert_compiled("evaluate")
        data = make_adapter(x, y, sample_weight, batch_size, False, None, steps)
        verbose = resolve_verbose(verbose)
        callback_list = callbacks_module.CallbackList(
            callbacks, add_progbar=verbose != 0 and not _in_fit, model=self, verbose=verbose,
            epochs=1, steps=data.num_batches)
        self.reset_metrics()
        callback_list.on_test_begin()
        with no_grad():
            for step, (xb, yb, wb) in enumerate(data.epoch()):
                callback_list.on_test_batch_begin(step)
                self.test_step(xb, yb, wb)
                callback_list.on_test_batch_end(step, _LazyLogs(self.metrics))
        logs = self._epoch_logs()
        callback_list.on_test_end(logs)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None,
                **kwargs):
        """The model's outputs on ``x`` as NumPy arrays (a list for several outputs)."""
        data = make_adapter(x, None, None, batch_size, False, None, steps)
        verbose = resolve_verbose(verbose)
        callback_list = callbacks_module.CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
            steps=data.num_batches)
        callback_list.on_predict_begin()
        batches = []
        with no_grad():
            for step, (xb, _, _) in enumerate(data.epoch()):
                callback_list.on_predict_batch_begin(step)
                batches.append([t.data for t in _as_list(self.predict_step(xb))])
                callback_list.on_predict_batch_end(step, {"outputs": batches[-1]})
        callback_list.on_predict_end()
        if not batches:
            raise ValueError("Unexpected result of `predict`: no batch was seen; is the "
                             "input empty?")
        # Gathered on the device and copied back once, not batch by batch.
        outputs = [backend.to_numpy(backend.xp.concatenate(parts)) for parts in zip(*batches)]
        return outputs[0] if len(outputs) == 1 else outputs

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       reset_metrics=True, return_dict=False):
        """One gradient update on one batch; returns the loss (and metrics) of that batch."""
        self._assert_compiled("train_on_batch")
        (xb, yb, wb), = make_adapter(x, y, sample_weight, len(flatten(x)[0]), False,
                                     class_weight).epoch()
        if reset_metrics:
            self.reset_metrics()
        self.train_step(xb, yb, wb)
        return self._batch_result(return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True,
                      return_dict=False):
        """Loss (and metrics) of the model on one batch, without training."""
        self._assert_compiled("test_on_batch")
        (xb, yb, wb), = make_adapter(x, y, sample_weight, len(flatten(x)[0])).epoch()
        if reset_metrics:
            self.reset_metrics()
        with no_grad():
            self.test_step(xb, yb, wb)
        return self._batch_result(return_dict)

    def predict_on_batch(self, x):
        """The model's outputs on one batch, as NumPy arrays."""
        return self.predict(x, batch_size=len(flatten(x)[0]), verbose=0)

    def _batch_result(self, return_dict: bool):
        logs = self._epoch_logs()
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

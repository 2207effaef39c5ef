"""The training loop: ``compile``, ``fit``, ``evaluate``, ``predict`` and the batch methods.

``fit`` orchestrates (data, callbacks, epochs, validation); one ``train_step`` does the
work of a batch: forward, loss, backward, ``optimizer.apply``, metric updates.
"""

from __future__ import annotations

import inspect

from .. import backend, callbacks as callbacks_module, optimizers
from ..autograd import as_array, enable_grad, gradients, no_grad
from ..callbacks.progbar_logger import resolve_verbose
from ..layers.symbolic import flatten
from ..metrics import Metric
from ..ops import recurrent_inference
from .compile_utils import CompileState
from .data import (check_epochs, make_adapter, preload_validation, split_for_validation,
                   unpack as unpack_data)
from .legacy import keras1_arguments
from .step_utils import CompiledLoss, CompiledMetrics, LazyLogs, ReadLogs, pack_data

__all__ = ["Trainer"]


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
        self._last_loss_terms = None

    # ---- compile --------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True, **kwargs):
        """Configures the model for training.

        Args:
            optimizer: name or optimizer instance (default ``"rmsprop"``).
            loss: name, function or ``Loss``; or a list/dict with one per output; None
                when the model computes its own loss (``add_loss`` or ``train_step``).
            loss_weights: optional list/dict of scalar weights, one per output.
            metrics: names, functions or ``Metric`` objects (a list, or a list/dict per
                output); ``"accuracy"`` is resolved from the loss and the data's shapes.
            weighted_metrics: metrics that take ``sample_weight`` / ``class_weight``.
        """
        kwargs.pop("sample_weight_mode", None)
        if kwargs:
            raise TypeError(f"compile() got unexpected keyword arguments {sorted(kwargs)}.")
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
        """The compiled metrics (once the first batch has built them), then the metrics
        that are attributes of the model, such as a ``train_step``'s loss tracker."""
        state = self._compile_state
        compiled = state.all_metrics if state is not None and state.built else []
        seen = {id(m) for m in compiled}
        tracked = [value for value in vars(self).values()
                   if isinstance(value, Metric) and id(value) not in seen]
        return compiled + tracked

    @property
    def compiled_loss(self):
        """tf.keras's ``compiled_loss(y, y_pred, sample_weight, regularization_losses)``."""
        return CompiledLoss(self)

    @property
    def compiled_metrics(self):
        """tf.keras's ``compiled_metrics.update_state(y, y_pred, sample_weight)``."""
        return CompiledMetrics(self)

    @property
    def metrics_names(self) -> list[str]:
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        for metric in self.metrics:
            metric.reset_state()

    def _output_names(self, count: int = 1) -> list[str]:
        """The outputs' names; a subclassed model's ``count`` outputs are ``output_1``,
        ``output_2``, ... as tf-keras names them (one output is ``output``)."""
        names = getattr(self, "output_names", None)
        if names:
            return list(names)
        return ["output"] if count == 1 else [f"output_{i + 1}" for i in range(count)]

    # ---- one batch --------------------------------------------------------------------
    # A subclass may override ``train_step(data)``, ``test_step(data)``,
    # ``predict_step(data)`` or ``compute_loss``; the loops call the overrides, and keep the
    # internal ``_train_step(x, y, sample_weight)`` for models that override nothing.
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Total loss of a batch: the compiled losses plus ``model.losses`` (penalties)."""
        loss, self._last_loss_terms = self._loss_terms(y, y_pred, sample_weight)
        return loss

    def _targets(self, y, y_pred, sample_weight):
        """Targets, predictions and sample weights as lists over the outputs; builds the
        compiled losses and metrics on the first batch."""
        state = self._compile_state
        predictions = _as_list(y_pred)
        y_true = [None] * len(predictions) if y is None else _as_list(y)
        weights = _as_list(sample_weight) if isinstance(sample_weight, (list, tuple, dict)) \
            else [sample_weight] * len(predictions)
        if not state.built:
            if len(y_true) != len(predictions):
                raise ValueError(f"Model '{self.name}' has {len(predictions)} outputs but "
                                 f"`y` holds {len(y_true)} targets.")
            state.build(self._output_names(len(predictions)), y_true, predictions)
        return y_true, predictions, weights

    def _loss_terms(self, y, y_pred, sample_weight):
        """The total loss, and what the metric update needs: per-output losses, targets,
        predictions and sample weights, each as a list over the outputs."""
        y_true, predictions, weights = self._targets(y, y_pred, sample_weight)
        penalties = self.losses
        if self._compile_state.loss_spec is None:  # the model brings its own loss
            if not penalties:
                raise ValueError(f"Model '{self.name}' has no loss: pass `loss=` to "
                                 f"compile(), or add one with `add_loss` in `call`.")
            total, parts = penalties[0], [None] * len(predictions)
            penalties = penalties[1:]
        else:
            total, parts = self._compile_state.compute_loss(y_true, predictions, weights)
        for penalty in penalties:
            total = total + penalty
        return total, (parts, y_true, predictions, weights)

    def _step_loss(self, x, y, y_pred, sample_weight, training: bool):
        """The loss through a user's ``compute_loss`` override where there is one."""
        if type(self).compute_loss is Trainer.compute_loss:
            return self._loss_terms(y, y_pred, sample_weight)
        self._last_loss_terms = None
        extra = {"training": training} if _takes_training(self.compute_loss) else {}
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                 **extra)
        terms = self._last_loss_terms
        if terms is None:  # the override did not call super().compute_loss
            y_true, predictions, weights = self._targets(y, y_pred, sample_weight)
            terms = ([None] * len(predictions), y_true, predictions, weights)
        return loss, terms

    def train_step(self, data):
        """One batch of training; ``data`` is ``x``, ``(x, y)`` or ``(x, y, sample_weight)``.

        Override it to customize ``fit``: return a dict of logs, for example
        ``{m.name: m.result() for m in self.metrics}``.
        """
        self._train_step(*unpack_data(data))
        return self._epoch_logs()

    def test_step(self, data):
        """One batch of evaluation; override it to customize ``evaluate``."""
        with no_grad():
            self._test_step(*unpack_data(data))
        return self._epoch_logs()

    def predict_step(self, data):
        """The outputs for one batch; override it to customize ``predict``."""
        return self(unpack_data(data)[0], training=False)

    def _train_step(self, x, y, sample_weight=None) -> None:
        """Forward, loss, backward and optimizer update for one batch."""
        with enable_grad():
            y_pred = self(x, training=True)
            loss, terms = self._step_loss(x, y, y_pred, sample_weight, True)
        variables = self.trainable_weights
        if variables and loss.requires_grad:
            self.optimizer.apply(gradients(loss, variables), variables)
        self._update_metrics(loss, terms, x)

    def _test_step(self, x, y, sample_weight=None) -> None:
        """Forward and loss for one batch, without gradients; updates the metrics."""
        y_pred = self(x, training=False)
        loss, terms = self._step_loss(x, y, y_pred, sample_weight, False)
        self._update_metrics(loss, terms, x)

    def _run_step(self, kind: str, x, y, sample_weight):
        """Runs the built-in step (its logs are read lazily from the metrics), or the
        user's override with the batch packed as Keras packs it; returns the logs."""
        if getattr(type(self), kind) is getattr(Trainer, kind):
            getattr(self, f"_{kind}")(x, y, sample_weight)
            return LazyLogs(self.metrics)
        return ReadLogs(getattr(self, kind)(pack_data(x, y, sample_weight)))

    def _update_metrics(self, loss, terms, x) -> None:
        parts, y_true, y_pred, weights = terms
        batch_size = len(flatten(x)[0])
        self._compile_state.update(loss, parts, y_true, y_pred, weights, batch_size)

    def _epoch_logs(self, batch_logs=None) -> dict:
        """The last batch's logs as floats (a step's metrics accumulate over the epoch)."""
        if batch_logs is None or isinstance(batch_logs, LazyLogs):
            return {m.name: float(m.result()) for m in self.metrics}
        return dict(batch_logs)

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
        epochs = check_epochs(epochs)
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = split_for_validation(
                x, y, sample_weight, validation_split)
        data = make_adapter(x, y, sample_weight, batch_size, shuffle, class_weight,
                            steps_per_epoch, loss=self._compile_state.loss_spec, model=self,
                            warn_nan=True)
        validation = None  # checked and uploaded once per fit
        if validation_data is not None:
            validation = preload_validation(validation_data, self)
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
            batch_logs = None
            for step, (xb, yb, wb) in enumerate(data.epoch()):
                callback_list.on_train_batch_begin(step)
                batch_logs = self._run_step("train_step", xb, yb, wb)
                callback_list.on_train_batch_end(step, batch_logs)
                if self.stop_training:
                    break
            data.on_epoch_end()
            logs = self._epoch_logs(batch_logs)
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
        data = make_adapter(x, y, sample_weight, batch_size, False, None, steps,
                            loss=self._compile_state.loss_spec, model=self)
        verbose = resolve_verbose(verbose)
        callback_list = callbacks_module.CallbackList(
            callbacks, add_progbar=verbose != 0 and not _in_fit, model=self, verbose=verbose,
            epochs=1, steps=data.num_batches)
        self.reset_metrics()
        callback_list.on_test_begin()
        batch_logs = None
        with no_grad(), recurrent_inference.session(getattr(data, "size", None)):
            for step, (xb, yb, wb) in enumerate(data.epoch()):
                callback_list.on_test_batch_begin(step)
                batch_logs = self._run_step("test_step", xb, yb, wb)
                callback_list.on_test_batch_end(step, batch_logs)
        logs = self._epoch_logs(batch_logs)
        callback_list.on_test_end(logs)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None,
                **kwargs):
        """The model's outputs on ``x`` as NumPy arrays (a list for several outputs)."""
        data = make_adapter(x, None, None, batch_size, False, None, steps, model=self)
        verbose = resolve_verbose(verbose)
        callback_list = callbacks_module.CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
            steps=data.num_batches)
        callback_list.on_predict_begin()
        batches = []
        with no_grad(), recurrent_inference.session(getattr(data, "size", None)):
            for step, (xb, _, _) in enumerate(data.epoch()):
                callback_list.on_predict_batch_begin(step)
                outputs = _as_list(self.predict_step(xb))
                batches.append([as_array(t) for t in outputs])
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
                                     class_weight, model=self).epoch()
        if reset_metrics:
            self.reset_metrics()
        return self._batch_result(self._run_step("train_step", xb, yb, wb), return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True,
                      return_dict=False):
        """Loss (and metrics) of the model on one batch, without training."""
        self._assert_compiled("test_on_batch")
        (xb, yb, wb), = make_adapter(x, y, sample_weight, len(flatten(x)[0]),
                                     model=self).epoch()
        if reset_metrics:
            self.reset_metrics()
        with no_grad():
            batch_logs = self._run_step("test_step", xb, yb, wb)
        return self._batch_result(batch_logs, return_dict)

    def predict_on_batch(self, x):
        """The model's outputs on one batch, as NumPy arrays."""
        return self.predict(x, batch_size=len(flatten(x)[0]), verbose=0)

    def _batch_result(self, batch_logs, return_dict: bool):
        logs = self._epoch_logs(batch_logs)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values


def _takes_training(method) -> bool:
    """Whether a ``compute_loss`` override takes ``training`` (Keras 3.0's took
    ``allow_empty`` instead, and keras.io's distillation example still does)."""
    parameters = inspect.signature(method).parameters.values()
    return any(p.name == "training" or p.kind is p.VAR_KEYWORD for p in parameters)

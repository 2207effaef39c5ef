"""Knowledge distillation as keras.io writes it: a ``Distiller(keras.Model)`` holding a
teacher and a student, trained by ``fit`` through a ``compute_loss`` override (Keras 3)
or its own ``train_step`` (Keras 2), against a GradientTape computation of the same step;
and ``compile(loss=[a, b])`` for a subclassed model with two outputs."""

import numpy as np
import pytest

import kerasette as keras
from kerasette import backend, ops

TEMPERATURE, ALPHA, LR = 3.0, 0.25, 0.1


def _models():
    keras.utils.set_random_seed(1)
    teacher = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                                keras.layers.Dense(4)])
    student = keras.Sequential([keras.Input((6,)), keras.layers.Dense(4)])
    rng = np.random.default_rng(2)
    x = rng.normal(size=(16, 6)).astype("float32")
    y = rng.integers(0, 4, 16)
    return teacher, student, x, y


def _distillation_loss(y, student_logits, teacher_logits):
    student_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(
        y, student_logits)
    soft = keras.losses.KLDivergence()(ops.softmax(teacher_logits / TEMPERATURE, axis=1),
                                       ops.softmax(student_logits / TEMPERATURE, axis=1))
    return ALPHA * student_loss + (1 - ALPHA) * soft * TEMPERATURE ** 2


class Distiller(keras.Model):
    """keras.io's Keras 3 version: the loss in compute_loss (with ``allow_empty``). Its
    loss depends on the teacher too, so the teacher is frozen (``trainable = False``), as
    ``keras.distillation.Distiller`` requires; else ``fit`` would train it as well."""

    def __init__(self, student, teacher):
        super().__init__()
        self.teacher, self.student = teacher, student

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
                     allow_empty=False):
        return _distillation_loss(y, y_pred, self.teacher(x, training=False))

    def call(self, x):
        return self.student(x)


class TapeDistiller(Distiller):
    """keras.io's Keras 2 version: its own train_step, the student's weights only."""

    def train_step(self, data):
        x, y = data
        teacher_logits = self.teacher(x, training=False)
        with keras.GradientTape() as tape:
            student_logits = self.student(x, training=True)
            loss = _distillation_loss(y, student_logits, teacher_logits)
        weights = self.student.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
        self.compiled_metrics.update_state(y, student_logits)
        results = {m.name: m.result() for m in self.metrics}
        results["distillation_loss"] = loss
        return results


def _expected_step(teacher, student, x, y):
    """The student's weights after one SGD step, from a GradientTape of the same loss."""
    weights = student.trainable_variables
    with keras.GradientTape() as tape:
        loss = _distillation_loss(y, student(x), teacher(x))
    grads = tape.gradient(loss, weights)
    return [backend.to_numpy(w.data) - LR * backend.to_numpy(g.data)
            for w, g in zip(weights, grads)], float(loss)


@pytest.mark.parametrize("cls", [Distiller, TapeDistiller])
def test_distiller_trains_the_student_by_the_distillation_loss(cls):
    teacher, student, x, y = _models()
    teacher_before = [w.copy() for w in teacher.get_weights()]
    expected, loss = _expected_step(teacher, student, x, y)
    distiller = cls(student, teacher)
    if cls is Distiller:
        teacher.trainable = False
    distiller.compile(optimizer=keras.optimizers.SGD(LR),
                      metrics=[keras.metrics.SparseCategoricalAccuracy()])
    history = distiller.fit(x, y, batch_size=16, epochs=1, verbose=0)
    for got, want in zip(student.get_weights(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    for got, want in zip(teacher.get_weights(), teacher_before):  # the teacher is frozen
        np.testing.assert_array_equal(got, want)
    # The Keras 2 version logs its loss as "distillation_loss" (its "loss" tracker stays
    # at 0, as in Keras 3: that train_step never updates it).
    logged = history.history["distillation_loss" if cls is TapeDistiller else "loss"]
    np.testing.assert_allclose(logged[0], loss, rtol=1e-5)
    assert "sparse_categorical_accuracy" in history.history


class TwoHeads(keras.Model):
    def __init__(self):
        super().__init__()
        self.body = keras.layers.Dense(5, activation="tanh")
        self.regress, self.classify = keras.layers.Dense(1), keras.layers.Dense(3)

    def call(self, x):
        h = self.body(x)
        return self.regress(h), self.classify(h)


def test_subclassed_model_with_two_outputs_takes_a_list_of_losses():
    """``compile(loss=[a, b], loss_weights=[...])`` on a subclassed model with two outputs
    trains on the weighted sum, as Keras does."""
    keras.utils.set_random_seed(3)
    rng = np.random.default_rng(4)
    x = rng.normal(size=(12, 4)).astype("float32")
    y_value = rng.normal(size=(12, 1)).astype("float32")
    y_class = rng.integers(0, 3, 12)
    model = TwoHeads()
    model(x[:1])
    mse = keras.losses.MeanSquaredError()
    xent = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer=keras.optimizers.SGD(LR), loss=[mse, xent],
                  loss_weights=[0.5, 2.0])
    weights = model.trainable_variables
    with keras.GradientTape() as tape:
        value, logits = model(x)
        loss = 0.5 * mse(y_value, value) + 2.0 * xent(y_class, logits)
    grads = tape.gradient(loss, weights)
    expected = [backend.to_numpy(w.data) - LR * backend.to_numpy(g.data)
                for w, g in zip(weights, grads)]
    history = model.fit(x, [y_value, y_class], batch_size=12, epochs=1, verbose=0)
    np.testing.assert_allclose(history.history["loss"][0], float(loss), rtol=1e-5)
    for got, want in zip(model.get_weights(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)

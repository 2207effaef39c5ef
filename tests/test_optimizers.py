"""Optimizers against plain-NumPy (float64) transcriptions of Keras's documented rules."""

import math

import numpy as np
import pytest

from kerasette import backend, ops, optimizers
from kerasette.autograd import Tensor, Variable
from kerasette.optimizers import schedules

SHAPES = [(3,), (2, 3), ()]
STEPS = 5


# ---- references: one update of one variable, state kept in a dict --------------------

def ref_sgd(w, g, s, t, lr, momentum=0.0, nesterov=False):
    if momentum == 0:
        return w - lr * g
    s["m"] = momentum * s.get("m", 0.0) - lr * g
    return w + momentum * s["m"] - lr * g if nesterov else w + s["m"]


def ref_rmsprop(w, g, s, t, lr, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    s["v"] = rho * s.get("v", 0.0) + (1 - rho) * g ** 2
    denominator = s["v"] + epsilon
    if centered:
        s["a"] = rho * s.get("a", 0.0) + (1 - rho) * g
        denominator = denominator - s["a"] ** 2
    increment = lr * g / np.sqrt(denominator)
    if momentum > 0:
        s["m"] = momentum * s.get("m", 0.0) + increment
        increment = s["m"]
    return w - increment


def ref_adam(w, g, s, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    s["m"] = beta_1 * s.get("m", 0.0) + (1 - beta_1) * g
    s["v"] = beta_2 * s.get("v", 0.0) + (1 - beta_2) * g ** 2
    v = s["v"]
    if amsgrad:
        s["vhat"] = v = np.maximum(s.get("vhat", 0.0), s["v"])
    lr_t = lr * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    return w - lr_t * s["m"] / (np.sqrt(v) + epsilon)


def ref_adamw(w, g, s, t, lr, weight_decay=0.004, **adam):
    return ref_adam(w - w * weight_decay * lr, g, s, t, lr, **adam)


def ref_adagrad(w, g, s, t, lr, initial_accumulator_value=0.1, epsilon=1e-7):
    s["acc"] = s.get("acc", initial_accumulator_value) + g ** 2
    return w - lr * g / np.sqrt(s["acc"] + epsilon)


def ref_adadelta(w, g, s, t, lr, rho=0.95, epsilon=1e-7):
    s["ag"] = rho * s.get("ag", 0.0) + (1 - rho) * g ** 2
    delta = -np.sqrt(s.get("ad", 0.0) + epsilon) / np.sqrt(s["ag"] + epsilon) * g
    s["ad"] = rho * s.get("ad", 0.0) + (1 - rho) * delta ** 2
    return w + lr * delta


def ref_adamax(w, g, s, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    s["m"] = beta_1 * s.get("m", 0.0) + (1 - beta_1) * g
    s["u"] = np.maximum(beta_2 * s.get("u", 0.0), np.abs(g))
    return w - lr / (1 - beta_1 ** t) * s["m"] / (s["u"] + epsilon)


def ref_nadam(w, g, s, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    def cache(step):
        return beta_1 * (1 - 0.5 * 0.96 ** step)
    product = np.prod([cache(i) for i in range(1, t + 1)])
    s["m"] = beta_1 * s.get("m", 0.0) + (1 - beta_1) * g
    s["v"] = beta_2 * s.get("v", 0.0) + (1 - beta_2) * g ** 2
    m_hat = (cache(t + 1) * s["m"] / (1 - product * cache(t + 1))
             + (1 - cache(t)) * g / (1 - product))
    v_hat = s["v"] / (1 - beta_2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + epsilon)


CASES = [
    (optimizers.SGD, ref_sgd, {"learning_rate": 0.1}),
    (optimizers.SGD, ref_sgd, {"learning_rate": 0.1, "momentum": 0.9}),
    (optimizers.SGD, ref_sgd, {"learning_rate": 0.1, "momentum": 0.8, "nesterov": True}),
    (optimizers.RMSprop, ref_rmsprop, {"learning_rate": 0.01}),
    (optimizers.RMSprop, ref_rmsprop, {"learning_rate": 0.01, "momentum": 0.5,
                                       "centered": True, "rho": 0.8}),
    (optimizers.Adam, ref_adam, {"learning_rate": 0.01}),
    (optimizers.Adam, ref_adam, {"learning_rate": 0.01, "amsgrad": True, "beta_2": 0.9}),
    (optimizers.AdamW, ref_adamw, {"learning_rate": 0.01, "weight_decay": 0.1}),
    (optimizers.Adagrad, ref_adagrad, {"learning_rate": 0.1}),
    (optimizers.Adadelta, ref_adadelta, {"learning_rate": 1.0, "rho": 0.9}),
    (optimizers.Adamax, ref_adamax, {"learning_rate": 0.01}),
    (optimizers.Nadam, ref_nadam, {"learning_rate": 0.01}),
]


def _start(rng, shapes=SHAPES):
    values = [rng.standard_normal(s) for s in shapes]
    return values, [Variable(v, name=f"w{i}") for i, v in enumerate(values)]


def _grads(rng, shapes=SHAPES, steps=STEPS):
    return [[rng.standard_normal(s) for s in shapes] for _ in range(steps)]


def _device(array):
    return backend.to_device(np.asarray(array, dtype=np.float32))


def _reference(ref, values, grad_steps, lr, **hp):
    values, states = [np.array(v, dtype=np.float64) for v in values], [{} for _ in values]
    for t, grads in enumerate(grad_steps, start=1):
        values = [ref(w, g, s, t, lr, **hp) for w, g, s in zip(values, grads, states)]
    return values


@pytest.mark.parametrize("cls, ref, kwargs", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_update_rule_matches_reference(cls, ref, kwargs, rng):
    values, variables = _start(rng)
    grad_steps = _grads(rng)
    opt = cls(**kwargs)
    for grads in grad_steps:
        opt.apply([_device(g) for g in grads], variables)
    hp = {k: v for k, v in kwargs.items() if k != "learning_rate"}
    expected = _reference(ref, values, grad_steps, kwargs["learning_rate"], **hp)
    for variable, want in zip(variables, expected):
        assert variable.dtype == np.float32
        np.testing.assert_allclose(variable.numpy(), want, rtol=2e-5, atol=2e-6)
    assert int(opt.iterations) == STEPS and opt.iterations.dtype == np.int64
    assert all(v.dtype == np.float32 for v in opt.variables[1:])


def test_defaults_follow_keras_3():
    assert float(optimizers.SGD().learning_rate) == pytest.approx(0.01)
    adam = optimizers.Adam()
    assert (adam.beta_1, adam.beta_2, adam.epsilon, adam.amsgrad) == (0.9, 0.999, 1e-7, False)
    assert optimizers.AdamW().weight_decay == 0.004
    assert optimizers.RMSprop().rho == 0.9 and optimizers.Adadelta().rho == 0.95
    assert optimizers.Adagrad().initial_accumulator_value == 0.1
    for cls in optimizers.ALL.values():
        assert getattr(cls(), "epsilon", 1e-7) == 1e-7


# ---- clipping, weight decay, constraints -----------------------------------------------

def _one_sgd_step(grads, **kwargs):
    values = [np.zeros(np.shape(g)) for g in grads]
    variables = [Variable(v) for v in values]
    optimizers.SGD(learning_rate=1.0, **kwargs).apply([_device(g) for g in grads], variables)
    return [-v.numpy() for v in variables]  # with lr=1 from 0, -w is the applied gradient


def test_clipnorm_clipvalue_global_clipnorm(rng):
    grads = [rng.standard_normal((4,)) * 3, np.array([0.1, -0.2]), np.zeros(3)]
    got = _one_sgd_step(grads, clipnorm=1.5)
    for g, have in zip(grads, got):
        norm = np.sqrt(np.sum(g ** 2))
        np.testing.assert_allclose(have, g if norm <= 1.5 else g * 1.5 / norm, rtol=1e-6)
    got = _one_sgd_step(grads, clipvalue=0.15)
    for g, have in zip(grads, got):
        np.testing.assert_allclose(have, np.clip(g, -0.15, 0.15), rtol=1e-6)
    got = _one_sgd_step(grads, global_clipnorm=2.0)
    total = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    for g, have in zip(grads, got):
        np.testing.assert_allclose(have, g * 2.0 / total, rtol=1e-6)
    for g, have in zip(grads, _one_sgd_step(grads, global_clipnorm=total + 1)):
        np.testing.assert_allclose(have, g, rtol=1e-6)
    assert total > 2.0


def test_clipping_leaves_the_gradient_arrays_alone():
    g = _device([3.0, 4.0])
    optimizers.SGD(clipnorm=1.0).apply([g], [Variable([0.0, 0.0])])
    np.testing.assert_array_equal(backend.to_numpy(g), [3.0, 4.0])


def test_weight_decay_and_exclusions():
    kernel, bias, other = Variable([1.0, 2.0], name="kernel"), Variable([1.0], name="bias"), \
        Variable([4.0], name="other")
    opt = optimizers.SGD(learning_rate=0.5, weight_decay=0.1)
    opt.exclude_from_weight_decay(var_list=[other], var_names=["bia"])
    opt.apply([_device([1.0, 1.0]), _device([1.0]), _device([1.0])], [kernel, bias, other])
    np.testing.assert_allclose(kernel.numpy(), [1 - 0.05 - 0.5, 2 - 0.1 - 0.5], rtol=1e-6)
    np.testing.assert_allclose(bias.numpy(), [0.5])
    np.testing.assert_allclose(other.numpy(), [3.5])
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["kernel"])


def test_constraint_applied_after_the_update():
    w = Variable([0.2, -0.3])
    w.constraint = lambda v: ops.maximum(v, 0.0)
    optimizers.SGD(learning_rate=1.0).apply([_device([-1.0, 1.0])], [w])
    np.testing.assert_allclose(w.numpy(), [1.2, 0.0])


# ---- learning rate: Keras 2 spellings, schedules, setter --------------------------------

def test_lr_keyword_warns_and_sets_the_rate():
    with pytest.warns(UserWarning, match="learning_rate"):
        opt = optimizers.Adam(lr=0.05)
    assert float(opt.learning_rate) == pytest.approx(0.05)
    assert float(opt.lr) == pytest.approx(0.05)


def test_decay_is_keras_2_time_based_decay():
    with pytest.warns(UserWarning, match="InverseTimeDecay"):
        opt = optimizers.SGD(learning_rate=1.0, decay=0.5)
    w = Variable([0.0])
    for _ in range(3):
        opt.apply([_device([1.0])], [w])
    expected = -sum(1.0 / (1 + 0.5 * k) for k in range(3))
    np.testing.assert_allclose(w.numpy(), [expected], rtol=1e-6)
    with pytest.warns(UserWarning, match="decay"):
        assert optimizers.SGD.from_config(opt.get_config()).decay == 0.5


def test_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError, match="momentun"):
        optimizers.SGD(momentun=0.9)


def _values(schedule, steps):
    return [schedule(s) for s in steps]


def test_schedules_on_numbers():
    steps = [0, 1, 5, 10, 25, 100, 250]
    e = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    assert _values(e, steps) == pytest.approx([0.1 * 0.5 ** (s / 10) for s in steps])
    e = schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True)
    assert _values(e, steps) == pytest.approx([0.1 * 0.5 ** (s // 10) for s in steps])
    p = schedules.PiecewiseConstantDecay([5, 25], [1.0, 0.5, 0.1])
    assert _values(p, steps) == [1.0, 1.0, 1.0, 0.5, 0.5, 0.1, 0.1]
    i = schedules.InverseTimeDecay(1.0, decay_steps=5, decay_rate=2.0, staircase=True)
    assert _values(i, steps) == pytest.approx([1 / (1 + 2 * (s // 5)) for s in steps])
    c = schedules.CosineDecay(1.0, decay_steps=100, alpha=0.1)
    want = [0.9 * 0.5 * (1 + math.cos(math.pi * min(s, 100) / 100)) + 0.1 for s in steps]
    assert _values(c, steps) == pytest.approx(want)
    w = schedules.CosineDecay(0.0, decay_steps=100, warmup_target=1.0, warmup_steps=10)
    assert w(5) == pytest.approx(0.5) and w(10) == pytest.approx(1.0)
    assert w(60) == pytest.approx(0.5 * (1 + math.cos(math.pi * 0.5)))
    poly = schedules.PolynomialDecay(1.0, 10, end_learning_rate=0.1, power=2.0)
    assert poly(5) == pytest.approx(0.9 * 0.25 + 0.1) and poly(50) == pytest.approx(0.1)
    restarts = schedules.CosineDecayRestarts(1.0, 10, t_mul=2.0, m_mul=0.5)
    assert restarts(0) == pytest.approx(1.0) and restarts(10) == pytest.approx(0.5)
    assert restarts(20) == pytest.approx(0.5 * 0.5 * (1 + math.cos(math.pi * 0.5)))


def test_schedule_config_round_trip_and_errors():
    c = schedules.CosineDecay(0.1, 100, alpha=0.2, warmup_target=0.3, warmup_steps=5)
    again = schedules.deserialize(schedules.serialize(c))
    assert type(again) is schedules.CosineDecay and again.get_config() == c.get_config()
    assert schedules.get({"class_name": "ExponentialDecay", "config": {
        "initial_learning_rate": 1.0, "decay_steps": 2, "decay_rate": 0.5}})(2) == 0.5
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="one more"):
        schedules.PiecewiseConstantDecay([1, 2], [1.0, 0.5])


def test_optimizer_follows_its_schedule():
    schedule = schedules.ExponentialDecay(1.0, decay_steps=1, decay_rate=0.5)
    opt = optimizers.SGD(learning_rate=schedule)
    w = Variable([0.0])
    for _ in range(3):
        opt.apply([_device([1.0])], [w])
    np.testing.assert_allclose(w.numpy(), [-(1 + 0.5 + 0.25)], rtol=1e-6)
    assert float(opt.learning_rate) == pytest.approx(0.125)
    assert [v.name for v in opt.variables] == ["iteration"]
    with pytest.raises(TypeError, match="schedule"):
        opt.learning_rate = 0.1
    config = opt.get_config()
    assert config["learning_rate"]["class_name"] == "ExponentialDecay"
    assert optimizers.SGD.from_config(config)._learning_rate.get_config() == schedule.get_config()


def test_learning_rate_setter():
    opt = optimizers.SGD(learning_rate=0.1)
    variable = opt.learning_rate
    opt.learning_rate = 0.5
    assert opt.learning_rate is variable and float(variable) == 0.5
    opt.lr = 0.25
    w = Variable([0.0])
    opt.apply([_device([1.0])], [w])
    np.testing.assert_allclose(w.numpy(), [-0.25])
    opt.learning_rate.assign(0.125)  # K.set_value(opt.lr, ...) and Keras 3's assign
    opt.apply([_device([1.0])], [w])
    np.testing.assert_allclose(w.numpy(), [-0.375])
    opt.learning_rate = schedules.InverseTimeDecay(1.0, 1, 1.0)
    assert float(opt.learning_rate) == pytest.approx(1 / 3)


# ---- state: weights and config ----------------------------------------------------------

@pytest.mark.parametrize("cls, kwargs", [
    (optimizers.Adam, {"amsgrad": True}), (optimizers.Nadam, {}),
    (optimizers.RMSprop, {"momentum": 0.5, "centered": True}), (optimizers.Adadelta, {}),
    (optimizers.SGD, {"momentum": 0.9})])
def test_set_weights_restores_training_exactly(cls, kwargs, rng):
    values, variables = _start(rng)
    grad_steps = [[_device(g) for g in grads] for grads in _grads(rng, steps=6)]
    opt = cls(learning_rate=0.01, **kwargs)
    for grads in grad_steps[:3]:
        opt.apply(grads, variables)
    saved_values = [v.numpy().copy() for v in variables]
    saved_state = opt.get_weights()
    for grads in grad_steps[3:]:
        opt.apply(grads, variables)
    fresh = [Variable(v, name=f"w{i}") for i, v in enumerate(saved_values)]
    other = cls(learning_rate=0.5, **kwargs)
    other.build(fresh)
    other.set_weights(saved_state)
    for grads in grad_steps[3:]:
        other.apply(grads, fresh)
    for a, b in zip(variables, fresh):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert [w.shape for w in saved_state] == [v.shape for v in opt.variables]


def test_variables_order_and_names():
    a, b = Variable([1.0], name="a"), Variable([[1.0]], name="b")
    opt = optimizers.Adam()
    opt.build([a, b])
    assert [v.path for v in opt.variables] == [
        "adam/iteration", "adam/learning_rate", "adam/a_momentum", "adam/b_momentum",
        "adam/a_velocity", "adam/b_velocity"]
    assert not any(v.trainable for v in opt.variables)


@pytest.mark.parametrize("cls", list(optimizers.ALL.values()), ids=lambda c: c.__name__)
def test_config_round_trip(cls):
    opt = cls(learning_rate=0.02, clipnorm=1.5, name="custom")
    config = opt.get_config()
    for key in ("name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm",
                "clipvalue"):
        assert key in config
    again = cls.from_config(config)
    assert again.get_config() == config and type(again) is cls
    assert float(again.learning_rate) == pytest.approx(0.02)


def test_keras_2_config_is_accepted():
    config = {"name": "Adam", "lr": 0.002, "decay": 0.0, "beta_1": 0.9, "beta_2": 0.999,
              "epsilon": 1e-7, "amsgrad": False, "jit_compile": True,
              "is_legacy_optimizer": False}
    opt = optimizers.deserialize({"class_name": "Custom>Adam", "config": config})
    assert isinstance(opt, optimizers.Adam) and float(opt.lr) == pytest.approx(0.002)


def test_get_resolves_names_dicts_and_instances():
    for name, cls in [("sgd", optimizers.SGD), ("RMSprop", optimizers.RMSprop),
                      ("ADAM", optimizers.Adam), ("adamw", optimizers.AdamW),
                      ("Adagrad", optimizers.Adagrad), ("adadelta", optimizers.Adadelta),
                      ("adamax", optimizers.Adamax), ("Nadam", optimizers.Nadam)]:
        assert type(optimizers.get(name)) is cls
    opt = optimizers.SGD(momentum=0.5)
    assert optimizers.get(opt) is opt
    assert optimizers.get(optimizers.serialize(opt)).momentum == 0.5
    with pytest.raises(ValueError, match="adamm"):
        optimizers.get("adamm")


# ---- inputs and errors ------------------------------------------------------------------

def test_gradient_forms_and_missing_gradients():
    a, b, c = Variable([1.0]), Variable([1.0]), Variable([1.0])
    opt = optimizers.SGD(learning_rate=1.0)
    with pytest.warns(UserWarning, match="do not exist"):
        opt.apply([Tensor(_device([1.0])), np.array([2.0], dtype=np.float64), None], [a, b, c])
    np.testing.assert_allclose([a.numpy()[0], b.numpy()[0], c.numpy()[0]], [0.0, -1.0, 1.0])
    assert b.dtype == np.float32
    iterations = opt.apply_gradients(zip([_device([1.0])] * 3, [a, b, c]))
    assert int(iterations) == 2
    with pytest.raises(ValueError, match="No gradients"):
        opt.apply([None, None, None], [a, b, c])


def test_minimize_with_a_callable_loss():
    w = Variable([3.0])
    opt = optimizers.SGD(learning_rate=0.25)
    opt.minimize(lambda: ops.sum(w * w), [w])
    np.testing.assert_allclose(w.numpy(), [3.0 - 0.25 * 6.0])


@pytest.mark.parametrize("make, error, match", [
    (lambda: optimizers.SGD(learning_rate=-0.1), ValueError, "learning_rate"),
    (lambda: optimizers.SGD(momentum=-0.1), ValueError, "momentum"),
    (lambda: optimizers.RMSprop(rho=1.5), ValueError, "rho"),
    (lambda: optimizers.Adadelta(rho=-1), ValueError, "rho"),
    (lambda: optimizers.Adam(beta_1=1.0), ValueError, "beta_1"),
    (lambda: optimizers.Adam(epsilon=-1.0), ValueError, "epsilon"),
    (lambda: optimizers.Adagrad(initial_accumulator_value=-1.0), ValueError, "initial_acc"),
    (lambda: optimizers.SGD(clipnorm=1.0, clipvalue=1.0), ValueError, "Only one|only one"),
    (lambda: optimizers.SGD(clipnorm=-1.0), ValueError, "clipnorm"),
    (lambda: optimizers.AdamW(weight_decay=None), ValueError, "weight_decay"),
    (lambda: optimizers.Adam(use_ema=True), NotImplementedError, "use_ema"),
    (lambda: optimizers.SGD(learning_rate="fast"), ValueError, "learning_rate"),
])
def test_constructor_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_apply_errors():
    w, stranger = Variable([1.0, 2.0], name="w"), Variable([1.0], name="stranger")
    opt = optimizers.Adam()
    with pytest.raises(ValueError, match="built"):
        opt.apply([_device([1.0, 1.0])])
    with pytest.raises(ValueError, match="set_weights"):
        opt.set_weights([])
    with pytest.raises(ValueError, match="shape"):
        opt.apply([_device([1.0])], [w])
    opt.apply([_device([1.0, 1.0])])  # built by the failed call above, on [w]
    with pytest.raises(ValueError, match="stranger"):
        opt.apply([_device([1.0])], [stranger])
    with pytest.raises(ValueError, match="expected 4 arrays"):
        opt.set_weights(opt.get_weights()[:2])


def test_adam_on_a_big_variable_uses_pieces_and_matches_the_plain_step():
    """Above a million elements the kernel works in pieces on two threads; it must give
    exactly the same numbers as one pass over the whole array."""
    from kerasette.backend import numpy_kernels

    if backend.backend() != "numpy":
        pytest.skip("the pieces path is the NumPy kernel's")
    rng = np.random.default_rng(0)
    size = numpy_kernels._PARALLEL_MIN + 12345
    arrays = [rng.standard_normal(size).astype("float32") for _ in range(2)]
    m0 = rng.standard_normal(size).astype("float32")
    v0 = rng.random(size).astype("float32")
    big = [a.copy() for a in (arrays[0], m0, v0)]
    numpy_kernels.adam_update(big[0], arrays[1], big[1], big[2], 1e-3, 0.9, 0.999, 1e-7)
    plain = [a.copy() for a in (arrays[0], m0, v0)]
    numpy_kernels._adam_pass(np, plain[0], arrays[1], plain[1], plain[2], None,
                             np.empty(size, "float32"), 1e-3, 0.9, 0.999, 1e-7)
    for got, want in zip(big, plain):
        np.testing.assert_array_equal(got, want)
    assert not np.array_equal(big[0], arrays[0])

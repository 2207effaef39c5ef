"""The shared test helpers: numerical gradient checks and plain-NumPy parity checks."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from kerasette import backend
from kerasette.autograd import Tensor, gradients


def check_gradients(fn, *inputs, wrt=None, eps: float = 1e-6, atol: float = 1e-5,
                    rtol: float = 1e-4, seed: int = 0) -> None:
    """Compares autograd's gradients of ``fn`` with float64 central differences.

    ``fn(*tensors)`` returns a Tensor; its output is projected on a random direction so
    every output entry matters. ``inputs`` are array-likes (converted to float64 unless
    integer); ``wrt`` lists the positions to differentiate (default: every float input).
    """
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(a) for a in inputs]
    arrays = [a.astype(np.float64) if a.dtype.kind == "f" else a for a in arrays]
    if wrt is None:
        wrt = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    tensors = [Tensor(backend.to_device(a), requires_grad=i in wrt)
               for i, a in enumerate(arrays)]
    out = fn(*tensors)
    direction = rng.standard_normal(out.shape)
    seed_grad = backend.to_device(direction.astype(np.float64))
    analytic = gradients(out, [tensors[i] for i in wrt], seed=seed_grad)

    def projected(values) -> float:
        ts = [Tensor(backend.to_device(v)) for v in values]
        return float(np.sum(backend.to_numpy(fn(*ts).data) * direction))

    for position, grad in zip(wrt, analytic):
        base = arrays[position]
        numeric = np.zeros_like(base)
        for index in np.ndindex(base.shape):
            values = list(arrays)
            plus, minus = base.copy(), base.copy()
            plus[index] += eps
            minus[index] -= eps
            values[position] = plus
            up = projected(values)
            values[position] = minus
            numeric[index] = (up - projected(values)) / (2 * eps)
        got = np.zeros_like(base) if grad is None else backend.to_numpy(grad)
        np.testing.assert_allclose(
            got, numeric, atol=atol, rtol=rtol,
            err_msg=f"gradient of input {position} disagrees with central differences")


def dodge_kinks(x: np.ndarray, points=(0.0,), margin: float = 0.05) -> np.ndarray:
    """Moves entries of ``x`` away from non-differentiable points such as relu's 0."""
    x = np.array(x, dtype=np.float64)
    for p in points:
        near = np.abs(x - p) < margin
        x[near] = p + np.where(x[near] >= p, margin, -margin) * 2
    return x


def check_layer_gradients(layer, x, training=False, eps: float = 1e-6, atol: float = 1e-5,
                          rtol: float = 1e-4, seed: int = 0, wrt_input: bool = True) -> None:
    """Gradient check of a built float64 layer: w.r.t. its input and every trainable weight.

    The weights are perturbed in place for the central differences.
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(x)
    float_input = x.dtype.kind == "f" and wrt_input
    inp = Tensor(backend.to_device(x), requires_grad=float_input)
    out = layer(inp, training=training)
    direction = rng.standard_normal(out.shape)
    variables = list(layer.trainable_weights)
    sources = ([inp] if float_input else []) + variables
    analytic = gradients(out, sources, seed=backend.to_device(direction))

    def projected() -> float:
        value = layer(Tensor(backend.to_device(x)), training=training)
        return float(np.sum(backend.to_numpy(value.data) * direction))

    def numeric_for(array) -> np.ndarray:
        result = np.zeros(array.shape)
        for index in np.ndindex(array.shape):
            original = array[index].copy()
            array[index] = original + eps
            up = projected()
            array[index] = original - eps
            down = projected()
            array[index] = original
            result[index] = (up - down) / (2 * eps)
        return result

    arrays = ([x] if float_input else []) + [v.data for v in variables]
    names = (["input"] if float_input else []) + [v.path for v in variables]
    for name, array, grad in zip(names, arrays, analytic):
        if name == "input":
            array = x  # perturbing x changes what projected() feeds the layer
        numeric = numeric_for(array)
        got = np.zeros(array.shape) if grad is None else backend.to_numpy(grad)
        np.testing.assert_allclose(got, numeric, atol=atol, rtol=rtol,
                                   err_msg=f"gradient w.r.t. {name} of layer {layer.name}")


def check_layer(layer_cls, kwargs=None, input_shape=(2, 3), input_dtype="float32",
                expected_output_shape=None, num_weights=0, num_trainable=None,
                input_data=None, gradients_check=True, training_differs=False) -> None:
    """The shared layer test.

    Checks: eager output shape and ``compute_output_shape``; a symbolic call gives the
    same shape; the weight counts; ``get_config`` -> ``from_config`` recreates a layer
    that, given the same weights, computes the same outputs; training and inference
    modes both run (and differ only when ``training_differs``); and, in float64, the
    numerical gradient check w.r.t. the input and every trainable weight.
    """
    from kerasette import layers

    kwargs = dict(kwargs or {})
    rng = np.random.default_rng(0)
    if input_data is None:
        input_data = rng.standard_normal(input_shape).astype(input_dtype)
    layer = layer_cls(**kwargs)
    out = layer(input_data, training=False)  # random layers default to training=True
    shape = tuple(out.shape)
    if expected_output_shape is not None:
        assert shape == tuple(expected_output_shape), (shape, expected_output_shape)
    inferred = layer.compute_output_shape((None,) + tuple(input_shape[1:]))
    assert tuple(inferred[1:]) == shape[1:], (inferred, shape)
    symbolic = layer_cls(**kwargs)(layers.Input(batch_shape=(None,) + tuple(input_shape[1:]),
                                                dtype=input_dtype))
    assert tuple(symbolic.shape[1:]) == shape[1:], (symbolic.shape, shape)
    assert len(layer.weights) == num_weights, [w.path for w in layer.weights]
    if num_trainable is not None:
        assert len(layer.trainable_weights) == num_trainable

    config = layer.get_config()
    clone = layer_cls.from_config(config)
    clone(input_data, training=False)
    clone.set_weights(layer.get_weights())
    assert {k: v for k, v in clone.get_config().items() if k != "name"} == {
        k: v for k, v in config.items() if k != "name"}
    np.testing.assert_allclose(backend.to_numpy(clone(input_data, training=False).data),
                               backend.to_numpy(out.data), rtol=1e-6, atol=1e-6)

    check_save_load_round_trip(layer_cls, kwargs, input_data, input_dtype)

    trained = backend.to_numpy(layer(input_data, training=True).data)
    inferred_value = backend.to_numpy(layer(input_data, training=False).data)
    assert trained.shape == inferred_value.shape
    if not training_differs:
        np.testing.assert_allclose(trained, inferred_value, rtol=1e-6, atol=1e-6)

    if gradients_check:
        wide = layer_cls(**{**kwargs, "dtype": "float64"})
        data64 = input_data.astype(np.float64) if input_data.dtype.kind == "f" else input_data
        wide(data64)
        check_layer_gradients(wide, data64)


def tensor(x, requires_grad: bool = False) -> Tensor:
    """A Tensor on the backend in force, from host data."""
    return Tensor(backend.to_device(np.asarray(x)), requires_grad=requires_grad)


def host(x) -> np.ndarray:
    """A Tensor's or backend array's value on the host, as NumPy."""
    return backend.to_numpy(x.data if isinstance(x, Tensor) else x)


def run_float32(fn, *arrays) -> np.ndarray:
    """``fn`` on float32 tensors that need gradients; checks nothing leaks to float64."""
    tensors = [Tensor(backend.to_device(np.asarray(a, np.float32)), requires_grad=True)
               for a in arrays]
    out = fn(*tensors)
    assert out.dtype == np.float32, f"forward returned {out.dtype} for float32 inputs"
    for grad in gradients(out, tensors):
        assert grad is None or grad.dtype == np.float32, f"gradient leaked to {grad.dtype}"
    return host(out)


def check_save_load_round_trip(layer_cls, kwargs, input_data, input_dtype="float32") -> None:
    """A one-layer model saved to ``.h5`` and loaded back predicts the same numbers and
    gives the same layer config."""
    import os
    import tempfile

    import kerasette as keras

    shape = tuple(np.shape(input_data)[1:])
    model = keras.Sequential([keras.Input(shape, dtype=input_dtype), layer_cls(**kwargs)])
    expected = model.predict(input_data, verbose=0)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "layer.h5")
        model.save(path)
        loaded = keras.models.load_model(path, safe_mode=False)
    np.testing.assert_allclose(loaded.predict(input_data, verbose=0), expected, rtol=1e-6,
                               atol=1e-6)
    assert loaded.layers[-1].get_config() == model.layers[-1].get_config()


FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture_module(name: str):
    """A module of ``tests/fixtures`` (shared with the scripts that write the fixtures in
    real Keras), loaded by path."""
    spec = importlib.util.spec_from_file_location(name, FIXTURES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def numpy_sgd_mse(w, b, x, y, batch_size: int, epochs: int, lr: float):
    """Plain SGD on the batch MSE of ``x @ w + b`` against ``y``, in order, no shuffling:
    returns the final weights and each epoch's mean of the batch losses (what a ``Mean``
    tracker of the batch loss logs)."""
    epoch_losses = []
    for _ in range(epochs):
        losses = []
        for start in range(0, len(x), batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            error = xb @ w + b - yb
            losses.append(np.mean(error ** 2))
            w = w - lr * 2 * xb.T @ error / len(xb)
            b = b - lr * 2 * error.sum(0) / len(xb)
        epoch_losses.append(np.mean(losses))
    return w, b, epoch_losses


def run_onnx(path, inputs) -> list:
    """The outputs onnxruntime computes for the model file at ``path``, the ``inputs``
    given in the order of the model's inputs (CPU provider)."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    return session.run(None, dict(zip(names, inputs)))

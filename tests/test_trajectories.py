"""Training-trajectory parity with real Keras: the same model, starting weights and batch
order give the same loss after each of the first 50 steps and the same weights.

Keras's side was written by ``tests/fixtures/make_keras_trajectories.py`` (Keras 3,
torch backend, CPU, float32); the models, data and starting weights come from
``tests/fixtures/trajectory_models.py``, shared by both sides.
"""

import numpy as np
import pytest

import kerasette as keras
from helpers import FIXTURES, fixture_module

models = fixture_module("trajectory_models")
RTOL = 1e-4


@pytest.mark.parametrize("name", models.NAMES)
def test_fifty_steps_follow_real_keras(name):
    expected = np.load(FIXTURES / "keras3" / f"trajectory_{name}.npz")
    model, x, y = models.case(keras, name)
    for i, weight in enumerate(model.get_weights()):
        np.testing.assert_array_equal(weight, expected[f"start_{i}"])
    losses = []
    for step in range(1, models.STEPS + 1):
        window = slice((step - 1) * models.BATCH, step * models.BATCH)
        losses.append(float(model.train_on_batch(x[window], y[window])))
        if f"step{step}_0" in expected:
            for i, weight in enumerate(model.get_weights()):
                np.testing.assert_allclose(
                    weight, expected[f"step{step}_{i}"], rtol=RTOL, atol=RTOL * np.abs(
                        expected[f"step{step}_{i}"]).max(),
                    err_msg=f"{name}: weight {i} after step {step}")
    np.testing.assert_allclose(losses, expected["losses"], rtol=RTOL,
                               err_msg=f"{name}: loss per step")

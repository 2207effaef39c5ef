"""examples/vae_digits.py: the custom-train_step VAE learns at a reduced size."""

import numpy as np
import pytest
from test_examples import load

import kerasette as keras


@pytest.fixture(scope="module")
def example():
    return load("vae_digits")


def test_vae_losses_fall_and_trackers_give_epoch_means(example, tmp_path):
    result = example.main(epochs=6, train_size=512, verbose=0, out=str(tmp_path))
    history = result["history"]
    assert set(history) == {"total_loss", "reconstruction_loss", "kl_loss"}
    reconstruction = history["reconstruction_loss"]
    assert len(reconstruction) == 6
    assert reconstruction[-1] < 0.8 * reconstruction[0]
    assert all(value > 0 for value in history["kl_loss"])  # the codes move off N(0, 1)
    # Each tracker holds that epoch's mean (reset by fit), and the total is their sum.
    np.testing.assert_allclose(history["total_loss"],
                               np.add(reconstruction, history["kl_loss"]), rtol=1e-5)
    generated = np.load(result["generated"])
    assert generated.shape == (25, 8, 8, 1)
    assert generated.min() > 0 and generated.max() < 1  # the decoder's sigmoid
    assert result["label_clusters"] > 0.25  # digits group by class; chance is 0.10


def test_sampling_layer_uses_mean_and_log_variance(example):
    mean = keras.ops.convert_to_tensor(np.full((2000, 2), [1.0, -3.0], "float32"))
    log_var = keras.ops.convert_to_tensor(np.full((2000, 2), [0.0, np.log(4.0)], "float32"))
    z = keras.backend.to_numpy(example.Sampling(seed=5)([mean, log_var]).data)
    np.testing.assert_allclose(z.mean(axis=0), [1.0, -3.0], atol=0.15)
    np.testing.assert_allclose(z.std(axis=0), [1.0, 2.0], rtol=0.08)


def test_vae_loss_matches_a_numpy_computation(example):
    keras.utils.set_random_seed(0)
    vae = example.VAE(example.make_encoder(2, 8), example.make_decoder(2, 8))
    x = example.load_digits(16)[0][0]
    data = keras.ops.convert_to_tensor(x)
    z_mean, z_log_var, _ = [keras.backend.to_numpy(t.data) for t in vae.encoder(data)]
    total, reconstruction, kl = [float(t) for t in vae.losses_of(data)]
    expected_kl = np.mean(np.sum(-0.5 * (1 + z_log_var - z_mean ** 2 - np.exp(z_log_var)),
                                 axis=1))
    np.testing.assert_allclose(kl, expected_kl, rtol=1e-5)
    np.testing.assert_allclose(total, reconstruction + kl, rtol=1e-6)
    # Binary cross-entropy summed over 64 pixels is at least that of the data with itself.
    p = np.clip(x, 1e-7, 1 - 1e-7)
    floor = np.mean(np.sum(-(x * np.log(p) + (1 - x) * np.log(1 - p)), axis=(1, 2, 3)))
    assert reconstruction > floor

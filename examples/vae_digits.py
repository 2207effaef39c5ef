"""A variational autoencoder on the bundled 8x8 digits, with a custom train_step.

Keras 3's "customizing what happens in fit()" style, after the keras.io VAE example: a
``Sampling`` layer draws ``z = mean + exp(log_var / 2) * eps`` with ``keras.random``; a
``keras.Model`` subclass overrides ``train_step`` to compute its own loss (the summed
binary cross-entropy of the reconstruction plus the KL divergence to a unit Gaussian),
take gradients with ``keras.GradientTape`` and apply them; three ``keras.metrics.Mean``
trackers, listed in ``metrics`` so that ``fit`` resets them each epoch, give the logs.
The 8x8 digits (values 0..16, scaled to [0, 1]) are bundled, so it runs offline.

    python examples/vae_digits.py [--epochs 30] [--latent-dim 2] [--out DIR]
"""

import os
import tempfile

import numpy as np

import kerasette as keras
from kerasette import layers, ops


class Sampling(layers.Layer):
    """Draws ``z`` from the Gaussian ``(z_mean, exp(z_log_var))`` by reparametrization."""

    def __init__(self, seed=1337, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch, dim = ops.shape(z_mean)[0], ops.shape(z_mean)[1]
        epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


def make_encoder(latent_dim: int, hidden: int) -> keras.Model:
    inputs = keras.Input(shape=(8, 8, 1), name="image")
    x = layers.Flatten()(inputs)
    x = layers.Dense(hidden, activation="relu")(x)
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    z = Sampling()([z_mean, z_log_var])
    return keras.Model(inputs, [z_mean, z_log_var, z], name="encoder")


def make_decoder(latent_dim: int, hidden: int) -> keras.Model:
    inputs = keras.Input(shape=(latent_dim,), name="z")
    x = layers.Dense(hidden, activation="relu")(inputs)
    x = layers.Dense(64, activation="sigmoid")(x)
    outputs = layers.Reshape((8, 8, 1))(x)
    return keras.Model(inputs, outputs, name="decoder")


class VAE(keras.Model):
    """The encoder and decoder trained together on the evidence lower bound."""

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.reconstruction_loss_tracker,
                self.kl_loss_tracker]

    def call(self, data):
        return self.decoder(self.encoder(data)[0])  # the mean code, decoded

    def losses_of(self, data):
        """(total, reconstruction, KL) losses of a batch, each a mean over the batch."""
        z_mean, z_log_var, z = self.encoder(data)
        reconstruction = self.decoder(z)
        reconstruction_loss = ops.mean(ops.sum(
            keras.losses.binary_crossentropy(data, reconstruction), axis=(1, 2)))
        kl_loss = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
        kl_loss = ops.mean(ops.sum(kl_loss, axis=1))
        return reconstruction_loss + kl_loss, reconstruction_loss, kl_loss

    def train_step(self, data):
        with keras.GradientTape() as tape:
            total_loss, reconstruction_loss, kl_loss = self.losses_of(data)
        grads = tape.gradient(total_loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.total_loss_tracker.update_state(total_loss)
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.kl_loss_tracker.update_state(kl_loss)
        return {m.name: m.result() for m in self.metrics}


def load_digits(train_size: int | None = None):
    """The bundled digits as float32 in [0, 1], shape (n, 8, 8, 1), with their labels:
    ``(x_train, y_train), (x_test, y_test)``, the training set cut to ``train_size``."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()

    def scale(x):
        return x[:, :, :, None].astype("float32") / 16

    return (scale(x_train[:train_size]), y_train[:train_size]), (scale(x_test), y_test)


def label_clusters(encoder, x_train, y_train, x_test, y_test) -> float:
    """How well the codes group the digits (keras.io plots them; this measures it): the
    accuracy on the test digits of the nearest class centre of the training codes."""
    train_codes = encoder.predict(x_train, verbose=0)[0]
    test_codes = encoder.predict(x_test, verbose=0)[0]
    centres = np.stack([train_codes[y_train == k].mean(axis=0) for k in range(10)])
    distances = ((test_codes[:, None, :] - centres[None]) ** 2).sum(axis=-1)
    return float(np.mean(distances.argmin(axis=1) == y_test))


def main(epochs: int = 30, latent_dim: int = 2, hidden: int = 64, batch_size: int = 64,
         train_size: int | None = None, verbose: int = 1, out: str | None = None) -> dict:
    """Trains the VAE; returns its per-epoch losses, the path of the generated digits and
    how well the codes group the test digits by class (``label_clusters``).

    ``out`` (default: a fresh temporary folder) receives ``generated.npy``: the decoder's
    digits for a grid of codes on the first two latent axes.
    """
    keras.utils.set_random_seed(7)
    (digits, labels), (test_digits, test_labels) = load_digits(train_size)
    print(f"{len(digits)} training digits of 8x8 pixels")
    vae = VAE(make_encoder(latent_dim, hidden), make_decoder(latent_dim, hidden))
    vae.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3))
    history = vae.fit(digits, epochs=epochs, batch_size=batch_size, verbose=verbose)
    grid = np.linspace(-2, 2, 5, dtype="float32")
    codes = np.zeros((grid.size ** 2, latent_dim), "float32")
    codes[:, :2] = np.stack(np.meshgrid(grid, grid), axis=-1).reshape(-1, 2)[:, :latent_dim]
    generated = vae.decoder.predict(codes, verbose=0)
    out = out or tempfile.mkdtemp(prefix="kerasette-vae_digits-")
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "generated.npy")
    np.save(path, generated)
    losses = history.history
    print(f"reconstruction loss {losses['reconstruction_loss'][0]:.2f} -> "
          f"{losses['reconstruction_loss'][-1]:.2f}; KL {losses['kl_loss'][-1]:.2f}")
    print(f"Saved {len(generated)} generated digits to {path}")
    clusters = label_clusters(vae.encoder, digits, labels, test_digits, test_labels)
    print(f"Test digits nearest their class's centre in the latent space: {clusters:.2f} "
          "(chance: 0.10); the labels were never used in training")
    return {"history": losses, "generated": path, "label_clusters": clusters}


def cli(argv: list[str] | None = None) -> dict:
    """The command line: ``python examples/vae_digits.py --help``."""
    from _cli import parser  # examples/_cli.py; why it is imported here: see there

    arguments = parser(__doc__, "vae_digits")
    arguments.add_argument("--epochs", type=int, default=30, help="training epochs")
    arguments.add_argument("--latent-dim", type=int, default=2, help="size of the code z")
    arguments.add_argument("--hidden", type=int, default=64, help="hidden Dense units")
    arguments.add_argument("--train-size", type=int, default=None, metavar="N",
                           help="train on the first N digits only; None: all 1,437")
    flags = arguments.parse_args(argv)
    return main(epochs=flags.epochs, latent_dim=flags.latent_dim, hidden=flags.hidden,
                train_size=flags.train_size, out=flags.out)


if __name__ == "__main__":
    cli()

"""Time-series forecasting with an LSTM: the flow of Keras's weather-forecasting tutorial.

Hourly "weather" is generated here (the tutorial's Jena climate file is 13 MB): a
temperature with daily and yearly cycles and slow weather fronts, and a pressure and a
humidity that follow the fronts. The temperature 12 hours ahead is predicted from the
last five days of all three, sampled every 6 hours, with windows from
``keras.utils.timeseries_dataset_from_array``. The model is compared with the naive
forecast "the temperature stays as it is now".

    python examples/timeseries_forecasting.py
"""

import numpy as np

import kerasette as keras
from kerasette import layers


def generated_weather(hours: int, rng) -> np.ndarray:
    """(hours, 3): temperature (deg C), pressure (mbar), humidity (%)."""
    t = np.arange(hours)
    fronts = np.convolve(rng.standard_normal(hours + 96), np.ones(96) / 96 ** 0.5,
                         mode="valid")[:hours]  # slow random swings, days long
    temperature = (10 - 8 * np.cos(2 * np.pi * t / (24 * 365)) - 4 * np.cos(
        2 * np.pi * t / 24) + 1.5 * fronts + 0.3 * rng.standard_normal(hours))
    pressure = 1000 - 4 * fronts + 0.5 * rng.standard_normal(hours)
    humidity = 70 + 10 * np.cos(2 * np.pi * t / 24) + 5 * fronts + rng.standard_normal(hours)
    return np.stack([temperature, pressure, humidity], axis=1).astype("float32")


def main(hours: int = 24 * 365, past: int = 120, step: int = 6, ahead: int = 12,
         units: int = 32, epochs: int = 20, batch_size: int = 256,
         learning_rate: float = 0.001, verbose: int = 2):
    """Trains on the first 70% of the hours, validates on the rest; returns the
    validation MAE of the model and of the naive forecast, in degrees."""
    keras.utils.set_random_seed(0)
    weather = generated_weather(hours, np.random.default_rng(0))
    split = int(0.7 * hours)
    mean, std = weather[:split].mean(axis=0), weather[:split].std(axis=0)
    features = (weather - mean) / std  # training statistics only

    def windows(start: int, stop: int, shuffle: bool):
        # The window starting at hour i ends at i + past - 1; its target is `ahead` later.
        x = features[start:stop - past - ahead + 1]
        y = features[start + past + ahead - 1:stop, 0]
        return keras.utils.timeseries_dataset_from_array(
            x, y, sequence_length=past // step, sampling_rate=step,
            batch_size=batch_size, shuffle=shuffle, seed=1)

    train, val = windows(0, split, shuffle=True), windows(split, hours, shuffle=False)
    for inputs, targets in train.take(1):
        if verbose:
            print(f"inputs {inputs.shape}, targets {targets.shape}")

    model = keras.Sequential([
        keras.Input((past // step, features.shape[1])),
        layers.LSTM(units),
        layers.Dense(1),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="mse",
                  metrics=["mae"])
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3,
                                         restore_best_weights=True)
    model.fit(train, epochs=epochs, validation_data=val, callbacks=[stop], verbose=verbose)

    errors, naive_errors = [], []
    for inputs, targets in val:
        predictions = model.predict(inputs, verbose=0)[:, 0]
        errors.append(np.abs(predictions - targets))
        naive_errors.append(np.abs(inputs[:, -1, 0] - targets))
    model_mae = float(np.concatenate(errors).mean() * std[0])
    naive_mae = float(np.concatenate(naive_errors).mean() * std[0])
    if verbose:
        print(f"Validation MAE: LSTM {model_mae:.2f} deg C, naive forecast {naive_mae:.2f}")
    return model_mae, naive_mae


def cli(argv: list[str] | None = None) -> None:
    """The command line: ``python examples/timeseries_forecasting.py [--help]``."""
    from _cli import parser  # examples/_cli.py; why it is imported here: see there

    parser(__doc__, "timeseries_forecasting", writes_files=False).parse_args(argv)
    main()


if __name__ == "__main__":
    cli()

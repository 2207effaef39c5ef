"""Deployment: a scikit-learn Pipeline around a Keras regressor, exported to ONNX.

The cheat sheet's flow on Boston housing (bundled): ``train_test_split``, a
``Pipeline(StandardScaler(), keras.wrappers.SKLearnRegressor(...))`` scored by
``cross_val_score`` on 3 folds, then fitted on the training split and scored (R^2) on
the test split. The trained Keras model inside the wrapper (its ``model_``) is written
with ``model.export(path, format="onnx")``, and the file is run by
``onnxruntime.InferenceSession`` on the scaled test rows: its predictions must match
the pipeline's ``predict`` (the largest difference is printed). Needs scikit-learn and
onnxruntime (``pip install scikit-learn onnxruntime``).

    python examples/sklearn_onnx.py [--epochs 100] [--out DIR]
"""

import os
import tempfile

import numpy as np

import kerasette as keras
from kerasette import layers


def build_model(X, y, units: int = 64) -> keras.Model:
    """The model callable the wrapper calls at each ``fit``: sized by ``X`` and ``y``."""
    model = keras.Sequential([
        keras.Input((X.shape[1],)),
        layers.Dense(units, activation="relu"),
        layers.Dense(units, activation="relu"),
        layers.Dense(y.shape[1]),
    ])
    model.compile(optimizer="rmsprop", loss="mse")
    return model


def make_pipeline(epochs: int, batch_size: int, units: int):
    """Standardize (with the statistics of the rows it is fitted on), then regress."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    regressor = keras.wrappers.SKLearnRegressor(
        model=build_model, model_kwargs={"units": units},
        fit_kwargs={"epochs": epochs, "batch_size": batch_size, "verbose": 0})
    return Pipeline([("scale", StandardScaler()), ("keras", regressor)])


def onnx_predictions(path: str, x: np.ndarray) -> np.ndarray:
    """The exported model's output on ``x``, computed by onnxruntime alone."""
    import onnxruntime

    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name
    (output,) = session.run(None, {input_name: x.astype("float32")})
    return output.reshape(-1)


def main(epochs: int = 100, batch_size: int = 16, units: int = 64, verbose: int = 1,
         out: str | None = None) -> dict:
    """Cross-validate, fit, export and check; returns the 3 CV R^2 scores, the test R^2,
    the largest |ONNX - pipeline| prediction difference (also relative to the largest
    prediction) and the .onnx path (in ``out``, default a fresh temporary folder)."""
    from sklearn.model_selection import cross_val_score, train_test_split

    keras.utils.set_random_seed(3)
    (x_a, y_a), (x_b, y_b) = keras.datasets.boston_housing.load_data()
    x = np.concatenate([x_a, x_b]).astype("float32")
    y = np.concatenate([y_a, y_b]).astype("float32")
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2,
                                                        random_state=0)

    pipeline = make_pipeline(epochs, batch_size, units)
    cv_scores = cross_val_score(pipeline, x_train, y_train, cv=3)  # R^2 of each fold
    pipeline.fit(x_train, y_train)
    test_score = pipeline.score(x_test, y_test)

    out = out or tempfile.mkdtemp(prefix="kerasette-sklearn_onnx-")
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "boston_regressor.onnx")
    pipeline.named_steps["keras"].model_.export(path, format="onnx")
    # The scaler stays in scikit-learn: ONNX sees the rows the Keras model saw.
    x_scaled = pipeline.named_steps["scale"].transform(x_test)
    expected = pipeline.predict(x_test)
    difference = float(np.max(np.abs(onnx_predictions(path, x_scaled) - expected)))
    # Prices run to 50 ($1000s), where float32 steps are 4e-6: relative says more.
    relative = difference / float(np.max(np.abs(expected)))
    if verbose:
        print(f"3-fold CV R^2 {np.round(cv_scores, 3).tolist()}; test R^2 "
              f"{test_score:.3f}")
        print(f"Exported {path}; largest |onnxruntime - pipeline.predict| "
              f"{difference:.2e} ({relative:.1e} of the largest prediction)")
    return {"cv_scores": [float(s) for s in cv_scores], "test_score": float(test_score),
            "max_difference": difference, "relative_difference": relative, "path": path}


def cli(argv: list[str] | None = None) -> dict:
    """The command line: ``python examples/sklearn_onnx.py --help``."""
    from _cli import parser  # examples/_cli.py; why it is imported here: see there

    arguments = parser(__doc__, "sklearn_onnx")
    arguments.add_argument("--epochs", type=int, default=100, help="epochs of each fit")
    arguments.add_argument("--units", type=int, default=64, help="units per hidden layer")
    flags = arguments.parse_args(argv)
    return main(epochs=flags.epochs, units=flags.units, out=flags.out)


if __name__ == "__main__":
    cli()

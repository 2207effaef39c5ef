"""Keras 2 path ``keras.objectives``: the loss functions of ``kerasette.losses``.

Keras 2's ``cosine_proximity`` / ``cosine`` are left out: kerasette's ``cosine_similarity``
is the Keras 3 function, under its own name.
"""

from .losses import (KLD, MAE, MAPE, MSE, MSLE, binary_crossentropy,
                     categorical_crossentropy, categorical_hinge, deserialize, get, hinge,
                     kld, kullback_leibler_divergence, logcosh, mae, mape,
                     mean_absolute_error, mean_absolute_percentage_error,
                     mean_squared_error, mean_squared_logarithmic_error, mse, msle, poisson,
                     serialize, sparse_categorical_crossentropy, squared_hinge)

__all__ = ["mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
           "mean_squared_logarithmic_error", "squared_hinge", "hinge", "categorical_hinge",
           "logcosh", "categorical_crossentropy", "sparse_categorical_crossentropy",
           "binary_crossentropy", "kullback_leibler_divergence", "poisson", "mse", "MSE",
           "mae", "MAE", "mape", "MAPE", "msle", "MSLE", "kld", "KLD", "serialize",
           "deserialize", "get"]

"""scikit-learn wrappers: Keras 3's ``keras.wrappers`` and Keras 2's ``scikit_learn``.

>>> from kerasette.wrappers import SKLearnClassifier        # Keras 3 spelling
>>> from kerasette.wrappers.scikit_learn import KerasClassifier  # Keras 2 spelling

scikit-learn is optional and imported only when a wrapper is first used; without it that
use raises an ``ImportError`` that says ``pip install "kerasette[sklearn]"``.
"""

from __future__ import annotations

import importlib

_ATTRIBUTES = {
    "SKLearnClassifier": "sklearn_wrapper", "SKLearnRegressor": "sklearn_wrapper",
    "SKLearnTransformer": "sklearn_wrapper",
}

__all__ = sorted(_ATTRIBUTES) + ["scikit_learn"]


def __getattr__(name: str):
    if name == "scikit_learn":
        value = importlib.import_module(f"{__name__}.scikit_learn")
    elif name in _ATTRIBUTES:
        module = importlib.import_module(f"{__name__}.{_ATTRIBUTES[name]}")
        value = getattr(module, name)
    else:
        raise AttributeError(f"module 'kerasette.wrappers' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return __all__

"""Data sets with Keras's ``load_data()``; the bundled ones work offline.

Bundled: ``boston_housing`` (Keras's file and split), ``mnist_5k`` (5,000 MNIST
digits), ``digits`` (1,797 8x8 digits). Each module's docstring gives the source and
licence of its data.
"""

from . import boston_housing, digits, mnist_5k

__all__ = ["boston_housing", "digits", "mnist_5k"]

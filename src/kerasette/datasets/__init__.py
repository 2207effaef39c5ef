"""Data sets with Keras's ``load_data()``; the bundled ones work offline.

Bundled: ``boston_housing`` (Keras's file and split), ``mnist_5k`` (5,000 MNIST
digits), ``digits`` (1,797 8x8 digits). Downloaded once (``utils.get_file``, cached
under ``~/.kerasette/datasets``, reusing Keras's cache): ``mnist``, ``fashion_mnist``,
``cifar10``, ``cifar100``, ``imdb``, ``reuters``. Each module's docstring gives the
source and licence of its data.
"""

from . import (boston_housing, cifar10, cifar100, digits, fashion_mnist, imdb, mnist,
               mnist_5k, reuters)

__all__ = ["boston_housing", "cifar10", "cifar100", "digits", "fashion_mnist", "imdb",
           "mnist", "mnist_5k", "reuters"]

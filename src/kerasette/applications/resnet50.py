"""``keras.applications.resnet50``: Keras's other spelling of the ``resnet`` module."""

from .resnet import ResNet50, preprocess_input

__all__ = ["ResNet50", "preprocess_input"]

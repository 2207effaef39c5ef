"""The VGG architectures (Simonyan & Zisserman, 2014), shared by VGG16 and VGG19."""

from __future__ import annotations

from .. import layers
from ..models import Model
from .imagenet_utils import check_weights, load_weights, model_input

__all__ = ["build_vgg"]

_FILTERS = (64, 128, 256, 512, 512)


def build_vgg(convs_per_block, name: str, include_top=True, weights="imagenet",
              input_tensor=None, input_shape=None, pooling=None, classes=1000,
              classifier_activation="softmax") -> Model:
    """Five blocks of 3x3 same-padded ReLU convolutions, each closed by 2x2 max pooling;
    then (``include_top``) Flatten, Dense 4096, Dense 4096 and the classifier, or
    (``pooling="avg"`` / ``"max"``) a global pooling. Keras's layer names."""
    title = name.upper()
    check_weights(weights, include_top, classes, title)
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"{title}: `pooling` must be None, 'avg' or 'max'; received "
                         f"pooling={pooling!r}.")
    x, inputs = model_input(input_tensor, input_shape, include_top, weights, title)
    for block, (filters, convs) in enumerate(zip(_FILTERS, convs_per_block), start=1):
        for index in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{index}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    model = Model(inputs, x, name=name)
    load_weights(model, weights, title)
    return model

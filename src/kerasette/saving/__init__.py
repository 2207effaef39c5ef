"""Floor 6: saving and loading models in the Keras HDF5 format, configs and JSON."""

from .api import (load_model, load_weights, model_from_json, model_to_json, save_model,
                  save_weights)
from .model_config import model_from_config, model_to_config
from .object_registry import (CustomObjectScope, custom_object_scope, get_custom_objects,
                              get_registered_name, get_registered_object,
                              register_keras_serializable)

__all__ = ["save_model", "load_model", "save_weights", "load_weights", "model_from_json",
           "model_to_json", "model_from_config", "model_to_config", "clone_model",
           "register_keras_serializable", "get_custom_objects", "custom_object_scope",
           "CustomObjectScope", "get_registered_name", "get_registered_object"]


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the same architecture and freshly initialized weights.

    ``clone_function(layer)`` may return the layer to use instead of a plain copy.
    """
    if input_tensors is not None:
        raise NotImplementedError("clone_model(input_tensors=...) is not supported yet; "
                                  "clone the model, then call it on the new tensors.")
    config = model_to_config(model, for_file=False)
    if clone_function is None:
        return model_from_config(config)
    from ..layers import InputLayer
    from ..models import Sequential

    if not isinstance(model, Sequential):
        raise NotImplementedError("clone_model(clone_function=...) supports Sequential "
                                  "models only.")
    stack = [clone_function(layer) for layer in model.layers]
    if model._graph is not None:
        first = model._graph.layers[0]
        stack.insert(0, InputLayer(batch_shape=first.batch_shape, dtype=first.dtype))
    return Sequential(stack, name=model.name)

"""An optimizer's state in a file: Keras's order of the variables, and restoring it.

Keras files store an optimizer's variables variable by variable (the step count and
learning rate, then each weight's slots); kerasette keeps them slot family by family.
A stored state that does not fit the optimizer is dropped with a warning, never applied
in part.
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["keras_order", "restore_optimizer"]


def restore_optimizer(model, values, names, filepath) -> None:
    """Stored optimizer variables (in Keras's order) onto the model's optimizer."""
    optimizer = model.optimizer
    optimizer.build(model.trainable_weights)
    values = _align_optimizer_values(optimizer, names, values)
    order = keras_order(optimizer)
    ours = [None] * len(order)
    try:
        if len(values) != len(order):
            raise ValueError(f"the file holds {len(values)} variables, the optimizer "
                             f"{len(order)}")
        for value, position in zip(values, order):
            ours[position] = value
        for variable, value in zip(optimizer.variables, ours):  # all, before assigning
            if tuple(np.shape(value)) != tuple(variable.shape):
                raise ValueError(f"'{variable.path}' has shape {tuple(variable.shape)}, "
                                 f"the file {tuple(np.shape(value))}")
        optimizer.set_weights(ours)
    except ValueError as error:
        warnings.warn(f"The optimizer state in '{filepath}' does not match this optimizer "
                      f"({error}); it starts fresh.", stacklevel=3)


def _align_optimizer_values(optimizer, names, values):
    """tf-keras 2 stores no learning-rate variable; Keras 3 and kerasette store one."""
    wanted = len(optimizer.variables)
    if len(values) == wanted - 1 and not any("learning_rate" in n for n in names):
        rate = np.asarray(float(optimizer.learning_rate), np.float32)
        return values[:1] + [rate] + values[1:]
    return values


def keras_order(optimizer) -> list[int]:
    """Positions of ``optimizer.variables`` in the order Keras files store them.

    kerasette keeps the slots family by family (all momentums, then all velocities);
    Keras writes them variable by variable (momentum and velocity of the first weight,
    then of the second, ...), after the step count and learning rate.
    """
    variables = list(optimizer.variables)
    owners = [v.path for v in optimizer._trainable_variables]
    slots: dict[int, list[int]] = {i: [] for i in range(len(owners))}
    head, tail = [], []
    for position, variable in enumerate(variables):
        owner = _owner_of(variable.path, optimizer.name, owners)
        if owner is None:
            (tail if any(slots.values()) else head).append(position)
        else:
            slots[owner].append(position)
    return head + [p for i in range(len(owners)) for p in slots[i]] + tail


def _owner_of(path: str, optimizer_name: str, owners: list[str]):
    """Which trainable variable a slot named ``<optimizer>/<var path>_<slot>`` belongs to."""
    stem = path[len(optimizer_name) + 1:] if path.startswith(optimizer_name + "/") else path
    best = None
    for index, owner in enumerate(owners):
        flat = owner.replace("/", "_")
        if stem.startswith(flat + "_") and (best is None or len(flat) > len(
                owners[best].replace("/", "_"))):
            best = index
    return best

"""What older Keras files mean, spelled in today's terms.

Files written by Keras 1 and 2 (standalone or tf-keras) name some things whose meaning
Keras 3 changed. A model loaded from them must compute what the writer computed:
``hard_sigmoid`` was ``clip(0.2 x + 0.5, 0, 1)`` (Keras 3: ``relu6(x + 3) / 6``), and a GRU
config without ``reset_after`` predates it (``reset_after=False``). The GPU-only
``CuDNNLSTM`` and ``CuDNNGRU`` layers are the ``LSTM`` and ``GRU`` with sigmoid gates
(and ``reset_after``), whose weights cuDNN lays out differently.
"""

from __future__ import annotations

import numpy as np

__all__ = ["upgrade_config", "convert_cudnn_weights"]

_CUDNN = {"CuDNNLSTM": ("LSTM", {}), "CuDNNGRU": ("GRU", {"reset_after": True})}

_ACTIVATION_KEYS = ("activation", "recurrent_activation")


def upgrade_config(config, legacy: bool):
    """A copy of ``config`` with Keras 1/2 meanings made explicit when ``legacy``."""
    if isinstance(config, list):
        return [upgrade_config(c, legacy) for c in config]
    if not isinstance(config, dict):
        return config
    upgraded = {k: upgrade_config(v, legacy) for k, v in config.items()}
    if upgraded.get("class_name") in _CUDNN:
        class_name, extra = _CUDNN[upgraded["class_name"]]
        upgraded["class_name"] = class_name
        upgraded["config"] = {**upgraded.get("config", {}), "activation": "tanh",
                              "recurrent_activation": "sigmoid", **extra}
        return upgraded
    if legacy and isinstance(upgraded.get("config"), dict):
        inner = upgraded["config"]
        for key in _ACTIVATION_KEYS:
            if inner.get(key) == "hard_sigmoid":
                inner[key] = "legacy_hard_sigmoid"
        if upgraded.get("class_name") == "GRU":
            inner.setdefault("reset_after", False)
    return upgraded


def convert_cudnn_weights(layer, arrays: list) -> list:
    """``[kernel, recurrent_kernel, bias]`` stored by a CuDNNLSTM/CuDNNGRU, as the LSTM or
    GRU ``layer`` holds them (other arrays are returned unchanged).

    cuDNN keeps an input and a recurrent bias per gate (the LSTM adds them; the GRU
    keeps both rows of its ``reset_after`` bias) and stores each gate's block of the
    kernels transposed: the recurrent block is transposed back, and the input block read
    in column-major order, as Keras 2 converted them.
    """
    from ..layers import GRU, LSTM

    if not isinstance(layer, (LSTM, GRU)) or len(arrays) != 3:
        return arrays
    kernel, recurrent, bias = (np.asarray(a) for a in arrays)
    units = recurrent.shape[0]
    gates = 4 if isinstance(layer, LSTM) else 3
    if bias.shape != (2 * gates * units,):
        return arrays
    kernel = np.hstack([block.T.reshape(block.shape, order="F")
                        for block in np.hsplit(kernel, gates)])
    recurrent = np.hstack([block.T for block in np.hsplit(recurrent, gates)])
    bias = bias.reshape(2, -1)
    return [kernel, recurrent, bias.sum(axis=0) if gates == 4 else bias]

"""What older Keras files mean, spelled in today's terms.

Files written by Keras 1 and 2 (standalone or tf-keras) name some things whose meaning
Keras 3 changed. A model loaded from them must compute what the writer computed:
``hard_sigmoid`` was ``clip(0.2 x + 0.5, 0, 1)`` (Keras 3: ``relu6(x + 3) / 6``), and a GRU
config without ``reset_after`` predates it (``reset_after=False``).
"""

from __future__ import annotations

__all__ = ["upgrade_config"]

_ACTIVATION_KEYS = ("activation", "recurrent_activation")


def upgrade_config(config, legacy: bool):
    """A copy of ``config`` with Keras 1/2 meanings made explicit when ``legacy``."""
    if isinstance(config, list):
        return [upgrade_config(c, legacy) for c in config]
    if not isinstance(config, dict):
        return config
    upgraded = {k: upgrade_config(v, legacy) for k, v in config.items()}
    if legacy and isinstance(upgraded.get("config"), dict):
        inner = upgraded["config"]
        for key in _ACTIVATION_KEYS:
            if inner.get(key) == "hard_sigmoid":
                inner[key] = "legacy_hard_sigmoid"
        if upgraded.get("class_name") == "GRU":
            inner.setdefault("reset_after", False)
    return upgraded

"""``GradientTape``: the tf.keras idiom for custom training loops."""

from __future__ import annotations

from .engine import Tensor, _grad_mode, gradients

__all__ = ["GradientTape"]


class GradientTape:
    """Records the ops run inside its block so ``gradient`` can differentiate them.

    Example:
        >>> with GradientTape() as tape:
        ...     loss = loss_fn(y, model(x, training=True))
        >>> grads = tape.gradient(loss, model.trainable_weights)
        >>> optimizer.apply_gradients(zip(grads, model.trainable_weights))

    Args:
        persistent: allow several ``gradient`` calls on one recording.
        watch_accessed_variables: accepted for compatibility; trainable variables are
            always watched.
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self.persistent = persistent
        self._mode = None
        self._used = False

    def __enter__(self) -> "GradientTape":
        self._mode = _grad_mode(True)
        self._mode.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._mode.__exit__(*exc)

    def watch(self, tensor) -> None:
        """Makes gradients with respect to a constant tensor available."""
        for t in tensor if isinstance(tensor, (list, tuple)) else [tensor]:
            t.requires_grad = True

    def gradient(self, target, sources):
        """d(target)/d(source) for each source, as Tensors (``None`` where unconnected).

        ``sources`` may be one tensor, or a list or tuple of them; the result has the same
        structure. A non-scalar target is summed first, as in TensorFlow.
        """
        if self._used and not self.persistent:
            raise RuntimeError(
                "A non-persistent GradientTape can only be used to compute one set of "
                "gradients. Use GradientTape(persistent=True) to call gradient() again."
            )
        self._used = True
        single = isinstance(sources, Tensor)
        source_list = [sources] if single else list(sources)
        if not target.requires_grad:
            return None if single else [None] * len(source_list)
        grads = gradients(target, source_list, retain_graph=self.persistent)
        result = [None if g is None else Tensor(g) for g in grads]
        if single:
            return result[0]
        return tuple(result) if isinstance(sources, tuple) else result

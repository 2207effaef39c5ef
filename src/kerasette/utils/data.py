"""``PyDataset`` (Keras 2's ``Sequence``): a dataset of batches, indexed by batch."""

from __future__ import annotations

__all__ = ["PyDataset", "Sequence"]


class PyDataset:
    """Base class of datasets that ``fit`` reads batch by batch: ``dataset[i]``.

    Subclasses implement ``__getitem__(index)`` returning one batch, ``(x, y)`` or
    ``(x, y, sample_weight)``, and ``__len__`` returning the number of batches per
    epoch; ``on_epoch_end`` runs after each epoch (reshuffle there). Batches are read in
    order by the loop; ``workers``, ``use_multiprocessing`` and ``max_queue_size`` are
    accepted for Keras code and stored.

    Args:
        workers: the number of workers to read batches with; default ``1``.
        use_multiprocessing: use processes rather than threads; default ``False``.
        max_queue_size: the most batches prepared ahead; default ``10``.

    Example:

    >>> class Batches(PyDataset):
    ...     def __init__(self, x, y, batch_size, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.x, self.y, self.batch_size = x, y, batch_size
    ...     def __len__(self):
    ...         return -(-len(self.x) // self.batch_size)
    ...     def __getitem__(self, index):
    ...         part = slice(index * self.batch_size, (index + 1) * self.batch_size)
    ...         return self.x[part], self.y[part]
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False,
                 max_queue_size: int = 10):
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    # Keras 2 subclasses often skip ``super().__init__()``: these fall back to defaults.
    def __getattr__(self, name: str):
        defaults = {"workers": 1, "use_multiprocessing": False, "max_queue_size": 10}
        if name in defaults:
            return defaults[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __getitem__(self, index: int):
        """Returns batch number ``index``."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__getitem__(self, index)`, which "
            "returns one batch: (x, y) or (x, y, sample_weight).")

    def __len__(self) -> int:
        """Returns the number of batches in an epoch."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__len__(self)`, which returns the "
            "number of batches in an epoch.")

    @property
    def num_batches(self) -> int | None:
        """The number of batches in an epoch, or ``None`` when ``__len__`` is missing."""
        try:
            return len(self)
        except NotImplementedError:
            return None

    def on_epoch_begin(self) -> None:
        """Called at the start of every epoch."""

    def on_epoch_end(self) -> None:
        """Called at the end of every epoch (shuffle the data here)."""

    def __iter__(self):
        """Yields the batches of one epoch, in order."""
        for index in range(len(self)):
            yield self[index]


Sequence = PyDataset
"""The Keras 2 name of ``PyDataset``."""

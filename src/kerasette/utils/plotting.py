"""``plot_history``: the training curves of a ``fit`` saved as a PNG (needs matplotlib).

matplotlib is an optional extra (``pip install "kerasette[plot]"``); it is imported only
when a plot is drawn, and drawn without pyplot, so no window opens and no global figure
state is touched.
"""

from __future__ import annotations

import os

__all__ = ["plot_history"]


def plot_history(history, path="history.png", metrics=None, dpi: int = 100) -> str:
    """Saves one panel per metric, training and validation curves over epochs, as a PNG.

    Args:
        history: the ``History`` that ``model.fit`` returns, or its ``.history`` dict
            (``{"loss": [...], "val_loss": [...], ...}``).
        path: where to write the PNG; default ``"history.png"``. Folders are created.
        metrics: the names to plot (each with its ``val_`` twin when present); default
            every metric that is not a ``val_`` one, in the order of the history.
        dpi: the resolution; default ``100``.

    Returns:
        ``path``.

    Raises:
        ImportError: matplotlib is not installed.
        ValueError: the history is empty or names a metric it does not have.

    Example:

    >>> history = model.fit(x, y, validation_split=0.2, epochs=10)  # doctest: +SKIP
    >>> plot_history(history, "curves.png")  # doctest: +SKIP
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError("plot_history needs matplotlib, an optional extra of kerasette:"
                          ' pip install "kerasette[plot]" (or pip install matplotlib).'
                          ) from error
    logs = _history_dict(history)
    names = _metric_names(logs, metrics)
    figure = Figure(figsize=(5 * len(names), 3.6))
    FigureCanvasAgg(figure)
    for index, name in enumerate(names):
        axes = figure.add_subplot(1, len(names), index + 1)
        for key, style in ((name, "-"), (f"val_{name}", "--")):
            if key in logs:
                values = [float(v) for v in logs[key]]
                axes.plot(range(1, len(values) + 1), values, style, marker=".",
                          label="validation" if key.startswith("val_") else "training")
        axes.set_title(name)
        axes.set_xlabel("epoch")
        axes.grid(alpha=0.3)
        axes.legend()
    figure.tight_layout()
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    figure.savefig(path, dpi=dpi, format="png")
    return path


def _history_dict(history) -> dict:
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs or not any(len(v) for v in logs.values()):
        raise ValueError("plot_history needs the History returned by `fit` (or its "
                         "`.history` dict) with at least one epoch. "
                         f"Received: {history!r}")
    return logs


def _metric_names(logs: dict, metrics) -> list:
    if metrics is None:
        names = [key for key in logs if not key.startswith("val_")]
        return names or [key[len("val_"):] for key in logs]
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    missing = [n for n in names if n not in logs and f"val_{n}" not in logs]
    if missing:
        raise ValueError(f"plot_history: the history has no metric {missing}. "
                         f"It has: {sorted(logs)}")
    return names

"""The one place that imports scikit-learn, with the fix in the error when it is missing."""

from __future__ import annotations

INSTALL_HINT = ('pip install "kerasette[sklearn]"  (from a source checkout: '
                'pip install ".[sklearn]")')


def require_sklearn(what: str = "kerasette.wrappers"):
    """Returns the ``sklearn`` module, or raises an ImportError that names the install."""
    try:
        import sklearn
        import sklearn.base
        import sklearn.utils.validation
    except ImportError as err:
        raise ImportError(f"{what} needs scikit-learn, which is not installed. Install it "
                          f"with: {INSTALL_HINT}") from err
    return sklearn

"""Model export to other formats: ``model.export(path, format="onnx")``.

Example:
    >>> from kerasette.export import export_onnx
    >>> export_onnx(model, "model.onnx")  # doctest: +SKIP
"""

from .onnx_export import export_onnx

__all__ = ["export_onnx"]

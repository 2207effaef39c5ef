"""Model export to other formats: ``model.export(path, format="onnx")``.

Sequential and functional models are exported from their layer graph; a subclassed model
is traced: its ``call`` runs on sample batches and the layer calls and ``keras.ops`` it
makes become the ONNX graph (Python control flow follows the sample, as in torch.onnx).

Example:
    >>> from kerasette.export import export_onnx
    >>> export_onnx(model, "model.onnx")  # doctest: +SKIP
"""

from .onnx_export import export_onnx

__all__ = ["export_onnx"]

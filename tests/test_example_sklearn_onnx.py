"""examples/sklearn_onnx.py: Pipeline + SKLearnRegressor, cross_val_score, ONNX export
that onnxruntime runs to the pipeline's own predictions."""

import importlib.util
import math
from pathlib import Path

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("onnxruntime")

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "sklearn_onnx.py"


def load():
    spec = importlib.util.spec_from_file_location("sklearn_onnx", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pipeline_cross_validates_and_onnx_matches_predict(tmp_path):
    result = load().main(epochs=10, verbose=0, out=str(tmp_path))
    assert len(result["cv_scores"]) == 3
    assert all(math.isfinite(score) for score in result["cv_scores"])
    assert math.isfinite(result["test_score"])
    assert result["test_score"] > 0  # better than predicting the mean
    # float32 steps near prices of 50 are 4e-6: compare relative to the predictions
    assert result["relative_difference"] < 1e-5
    assert result["max_difference"] < 1e-4
    path = Path(result["path"])
    assert path.is_file() and path.suffix == ".onnx"
    assert path.parent == tmp_path


def test_cli_writes_the_onnx_file_under_out(tmp_path):
    import sys

    sys.path.insert(0, str(EXAMPLE.parent))  # for `from _cli import parser`
    try:
        result = load().cli(["--epochs", "2", "--units", "8", "--out", str(tmp_path)])
    finally:
        sys.path.remove(str(EXAMPLE.parent))
    assert Path(result["path"]).parent == tmp_path
    assert Path(result["path"]).is_file()

"""examples/text_transformer.py at a reduced size: TextVectorization + a Transformer block
learn the topic of the generated sentences."""

import importlib.util
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "text_transformer.py"


def _load():
    spec = importlib.util.spec_from_file_location("text_transformer", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_text_transformer_learns_the_generated_topics():
    """Chance is 0.5; 200 test sentences put 0.85 far beyond it (the full run, ``python
    examples/text_transformer.py``, reaches 1.0)."""
    accuracy = _load().main(samples=1000, epochs=4, maxlen=32, embed_dim=16, ff_dim=16,
                            verbose=0)
    assert accuracy >= 0.85


def test_generated_sentences_are_seeded_and_standardizable():
    import numpy as np

    example = _load()
    first = example.generated_sentences(5, np.random.default_rng(0))
    second = example.generated_sentences(5, np.random.default_rng(0))
    assert list(first[0]) == list(second[0]) and list(first[1]) == list(second[1])
    assert all(text[0].isupper() and text[-1] in ".!?" for text in first[0])


def test_help_describes_the_example(capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLE.parent))  # where the script finds _cli.py
    with pytest.raises(SystemExit):
        _load().cli(["--help"])
    assert "Transformer" in capsys.readouterr().out

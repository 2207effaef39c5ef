"""The cheat-sheet CNN and the "what the convnet learns" example, at reduced sizes: each
reaches its learning outcome or writes its images (valid PNGs of the stated sizes)."""

import struct
import zlib

import numpy as np
from test_examples import load

from kerasette.preprocessing.image import img_to_array, load_img


def _empty_caches(monkeypatch, tmp_path):
    monkeypatch.setenv("KERASETTE_HOME", str(tmp_path / "kerasette_home"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))


def test_cheatsheet_cnn_learns_from_augmented_batches(monkeypatch, tmp_path):
    _empty_caches(monkeypatch, tmp_path)  # the offline stand-in, even where CIFAR is cached
    example = load("cheatsheet_cnn")
    model = example.build_model()
    assert model.count_params() == 1250858  # the cheat sheet's model on 32x32x3 images
    (x_train, y_train), (x_test, _), name = example.load_data()
    assert name == "digits stand-in" and (len(x_train), len(x_test)) == (4000, 1000)
    assert x_train.shape[1:] == (32, 32, 3) and y_train.shape[1:] == (1,)
    assert x_train.dtype == np.uint8 and set(np.unique(y_train)) == set(range(10))
    assert np.all(x_train[:, :2] == 0)  # 28x28 digits padded by 2 pixels
    assert np.ptp(x_train[..., 0].astype(int) - x_train[..., 1]) > 0  # tinted in colour
    accuracy = example.main(epochs=2, train_size=480, test_size=200, learning_rate=1e-3,
                            verbose=0)
    assert accuracy >= 0.45  # 0.70 here; chance is 0.1


def test_cheatsheet_cnn_uses_cifar10_only_when_cached(monkeypatch, tmp_path):
    import kerasette as keras

    _empty_caches(monkeypatch, tmp_path)
    example = load("cheatsheet_cnn")
    rng = np.random.default_rng(0)
    calls = []

    def fake_load_data():
        calls.append(1)
        return ((rng.integers(0, 256, (40, 32, 32, 3), dtype=np.uint8),
                 rng.integers(0, 10, (40, 1), dtype=np.uint8)),
                (rng.integers(0, 256, (20, 32, 32, 3), dtype=np.uint8),
                 rng.integers(0, 10, (20, 1), dtype=np.uint8)))

    fake = type("cifar10", (), {"load_data": staticmethod(fake_load_data)})
    monkeypatch.setattr(keras.datasets, "cifar10", fake, raising=False)
    assert not example.cifar10_is_cached()  # not downloaded: the stand-in, no call
    cache = tmp_path / "keras_home" / "datasets"
    cache.mkdir(parents=True)
    (cache / "cifar-10-batches-py.tar.gz.part").write_bytes(b"")
    assert not example.cifar10_is_cached()  # an interrupted download does not count
    (cache / "cifar-10-batches-py").mkdir()
    assert example.cifar10_is_cached() and example.load_data()[2] == "cifar10"
    accuracy = example.main(epochs=1, train_size=32, test_size=16, verbose=0)
    assert 0.0 <= accuracy <= 1.0 and len(calls) == 2


def _png_header(path):
    """(width, height, colour type) from a PNG's IHDR chunk, checking its CRC."""
    with open(path, "rb") as handle:
        data = handle.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    body = data[16:16 + length]
    (crc,) = struct.unpack(">I", data[16 + length:20 + length])
    assert kind == b"IHDR" and zlib.crc32(kind + body) & 0xFFFFFFFF == crc
    width, height, depth, colour = struct.unpack(">IIBB", body[:10])
    assert depth == 8 and data.endswith(b"IEND\xaeB`\x82")
    return width, height, colour


def test_convnet_filters_writes_filter_and_activation_grids(tmp_path):
    example = load("convnet_filters")
    model_path = str(tmp_path / "digits_cnn.h5")
    result = example.main(epochs=1, train_size=2000, out_dir=str(tmp_path / "first"),
                          model_path=model_path, verbose=0)
    assert result["accuracy"] >= 0.55  # one short epoch (0.72 here); chance is 0.1
    files = result["files"]
    # 16 3x3 filters at 12x in rows of 8; activation maps 26x26 (16) and 11x11 (32) at 3x;
    # the patterns of conv2's 32 channels on 28x28 inputs at 2x; 1 pixel between tiles
    expected = {"input": (112, 112), "filters_conv1": (2 * 37 - 1, 8 * 37 - 1),
                "activations_conv1": (2 * 79 - 1, 8 * 79 - 1),
                "activations_conv2": (4 * 34 - 1, 8 * 34 - 1),
                "patterns_conv2": (4 * 57 - 1, 8 * 57 - 1)}
    assert {name: shape[:2] for name, (_, shape) in files.items()} == expected
    for name, (path, (height, width, channels)) in files.items():
        assert _png_header(path) == (width, height, 0)  # 8-bit greyscale
        pixels = img_to_array(load_img(path, color_mode="grayscale"))
        assert pixels.shape == (height, width, 1)
        assert pixels.min() == 0 and pixels.max() == 255  # each tile stretched to 0..255
    filters = img_to_array(load_img(files["filters_conv1"][0], color_mode="grayscale"))
    first_tile = filters[:36, :36, 0]
    np.testing.assert_array_equal(first_tile[::12, ::12].repeat(12, 0).repeat(12, 1),
                                  first_tile)  # one flat 12x12 block per kernel weight
    assert np.all(filters[36, :, 0] == 128)  # the grey line between the rows of tiles
    again = example.main(epochs=1, out_dir=str(tmp_path / "second"), model_path=model_path,
                         verbose=0)
    assert again["accuracy"] == result["accuracy"]  # loaded, not trained again
    for name in expected:
        first = (tmp_path / "first" / f"{name}.png").read_bytes()
        assert (tmp_path / "second" / f"{name}.png").read_bytes() == first


def test_tile_grid_layout_and_filter_tiles():
    example = load("convnet_filters")
    tiles = np.arange(5 * 2 * 3, dtype="float64").reshape(5, 2, 3, 1)
    grid = example.tile_grid(tiles, columns=2, scale=2, pad=1)
    assert grid.shape == (3 * 5 - 1, 2 * 7 - 1, 1)
    np.testing.assert_array_equal(grid[5:9, 7:13, 0], tiles[3, :, :, 0].repeat(2, 0)
                                  .repeat(2, 1))
    assert np.all(grid[10:, 7:] == 128)  # the missing sixth tile stays grey
    kernel = np.random.default_rng(0).normal(size=(3, 3, 3, 4))
    rgb = example.filter_tiles(kernel)
    assert rgb.shape == (4, 3, 3, 3)
    for index in range(4):
        values = kernel[..., index]
        np.testing.assert_allclose(rgb[index], (values - values.min()) / np.ptp(values) * 255)
    grey = example.filter_tiles(kernel[:, :, :2])
    assert grey.shape == (4, 3, 3, 1)
    mean = kernel[:, :, :2, 1].mean(axis=-1)
    np.testing.assert_allclose(grey[1, ..., 0], (mean - mean.min()) / np.ptp(mean) * 255)


def test_filter_patterns_climb_each_channels_activation():
    import kerasette as keras

    example = load("convnet_filters")
    keras.utils.set_random_seed(0)
    model = example.build_model()  # random weights are enough to climb on
    patterns = example.filter_patterns(model, "conv2", steps=5)
    assert patterns.shape == (32, 28, 28, 1) and patterns.dtype == np.float32
    start = np.random.default_rng(0).uniform(0.4, 0.6, (32, 28, 28, 1)).astype("float32")
    extractor = keras.Model(model.inputs, model.get_layer("conv2").output)
    before = extractor.predict(start, verbose=0).mean(axis=(1, 2)).diagonal()
    after = extractor.predict(start + patterns, verbose=0).mean(axis=(1, 2)).diagonal()
    moved = np.abs(patterns).max(axis=(1, 2, 3)) > 0
    assert moved.sum() >= 8
    assert np.all(after[moved] > before[moved])  # image i excites channel i more
    np.testing.assert_array_equal(before[~moved], 0)  # unmoved only where nothing fires

"""preprocessing.image: the augmentation transforms against direct loops, standardization,
the flow iterators (with fit), flow_from_directory over PNG files, and image files."""

import os

import numpy as np
import pytest

import kerasette as keras
from kerasette.preprocessing import image, image_io, image_transforms


def loop_warp(img, matrix, fill_mode="nearest", cval=0.0):
    """Bilinear sampling of one (h, w, c) image at matrix @ (r, c, 1), pixel by pixel,
    with scipy.ndimage's "nearest" and "constant" rules (what Keras calls)."""
    h, w, _ = img.shape

    def pixel(r, c):
        return img[min(max(r, 0), h - 1), min(max(c, 0), w - 1)]

    out = np.zeros(img.shape)
    for r in range(h):
        for c in range(w):
            sr, sc, _ = matrix @ np.array([r, c, 1.0])
            if fill_mode == "constant" and not (0 <= sr <= h - 1 and 0 <= sc <= w - 1):
                out[r, c] = cval  # beyond the outermost pixel centres
                continue
            r0, c0 = int(np.floor(sr)), int(np.floor(sc))
            a, b = sr - r0, sc - c0
            out[r, c] = ((1 - a) * (1 - b) * pixel(r0, c0) + (1 - a) * b * pixel(r0, c0 + 1)
                         + a * (1 - b) * pixel(r0 + 1, c0) + a * b * pixel(r0 + 1, c0 + 1))
    return out


def test_warp_matches_a_pixel_loop():
    rng = np.random.default_rng(0)
    images = rng.random((3, 6, 5, 2))
    matrices = image_transforms.affine_matrices(
        np.array([15.0, -30.0, 0.0]), np.array([0.5, 0.0, -1.2]), np.array([0.0, 1.5, 0.3]),
        np.array([0.0, 10.0, 0.0]), np.array([1.0, 0.8, 1.2]), np.array([1.0, 1.1, 0.9]),
        6, 5)
    for fill_mode in ("nearest", "constant"):
        got = image_transforms.warp(images, matrices, fill_mode, cval=0.5)
        for img, matrix, out in zip(images, matrices, got):
            np.testing.assert_allclose(out, loop_warp(img, matrix, fill_mode, 0.5),
                                       atol=1e-12)


def test_rotation_shift_flip_and_fill_modes_are_exact():
    generator = image.ImageDataGenerator()
    x = np.arange(16, dtype="float32").reshape(4, 4, 1)
    rotated = generator.apply_transform(x, {"theta": 90})
    np.testing.assert_allclose(rotated, np.rot90(x, k=-1, axes=(0, 1)), atol=1e-4)
    shifted = generator.apply_transform(x, {"tx": 1})
    np.testing.assert_array_equal(shifted[:3], x[1:])
    np.testing.assert_array_equal(shifted[3], x[3])  # "nearest" repeats the edge
    np.testing.assert_array_equal(generator.apply_transform(x, {"flip_horizontal": True}),
                                  x[:, ::-1])
    np.testing.assert_array_equal(generator.apply_transform(x, {"flip_vertical": True}),
                                  x[::-1])
    row = np.array([[1.0, 2.0, 3.0, 4.0]], "float32")[..., None]
    # scipy.ndimage's rules, as Keras: "wrap" repeats with period size - 1.
    expected = {"nearest": [4, 4, 4, 4], "reflect": [4, 4, 3, 2], "wrap": [4, 2, 3, 1],
                "constant": [4, 9, 9, 9]}
    for mode, want in expected.items():
        gen = image.ImageDataGenerator(fill_mode=mode, cval=9.0)
        np.testing.assert_array_equal(gen.apply_transform(row, {"ty": 3})[0, :, 0], want,
                                      err_msg=mode)


def test_random_transforms_stay_in_range_and_follow_the_seed():
    generator = image.ImageDataGenerator(rotation_range=30, width_shift_range=0.2,
                                         height_shift_range=[1, 2], shear_range=5,
                                         zoom_range=[0.8, 1.2], channel_shift_range=3.0,
                                         horizontal_flip=True, brightness_range=(0.5, 1.5))
    params = generator.get_random_transform((10, 20, 3), seed=4)
    assert abs(params["theta"]) <= 30 and abs(params["ty"]) <= 0.2 * 20
    assert abs(params["tx"]) in (1, 2) and 0.8 <= params["zx"] <= 1.2
    assert 0.5 <= params["brightness"] <= 1.5 and params["flip_vertical"] is False
    assert params == generator.get_random_transform((10, 20, 3), seed=4)
    x = np.random.default_rng(1).random((10, 20, 3)).astype("float32") * 255
    out = generator.random_transform(x, seed=5)
    assert out.shape == x.shape and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 255


def test_standardize_and_fit_statistics():
    rng = np.random.default_rng(2)
    x = (rng.random((50, 4, 4, 3)) * [1.0, 5.0, 10.0] + [0.0, 2.0, -3.0]).astype("float32")
    generator = image.ImageDataGenerator(featurewise_center=True,
                                         featurewise_std_normalization=True, rescale=0.5)
    generator.fit(x)
    assert generator.mean.shape == (1, 1, 3)
    out = generator.standardize(x.copy())
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0.0, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1.0, atol=1e-3)
    samplewise = image.ImageDataGenerator(samplewise_center=True,
                                          samplewise_std_normalization=True)
    single = samplewise.standardize(x[0])
    assert abs(single.mean()) < 1e-5 and abs(single.std() - 1) < 1e-4
    zca = image.ImageDataGenerator(zca_whitening=True, zca_epsilon=1e-8)
    shared = rng.standard_normal((400, 1))
    correlated = (shared + 0.5 * rng.standard_normal((400, 4))).reshape(400, 2, 2, 1)
    zca.fit(correlated)
    white = zca.standardize(correlated.astype("float32")).reshape(400, -1)
    np.testing.assert_allclose(white.T @ white / 400, np.eye(4), atol=0.05)
    with pytest.warns(UserWarning, match="hasn't been fit"):
        image.ImageDataGenerator(featurewise_center=True).standardize(x[0])
    with pytest.raises(ValueError, match="rank 4"):
        generator.fit(x[0])


def test_flow_batches_epochs_weights_and_subsets():
    x = np.arange(10, dtype="float32").reshape(10, 1, 1, 1) * np.ones((1, 2, 2, 1), "float32")
    y = np.arange(10)
    flow = image.ImageDataGenerator().flow(x, y, batch_size=4, seed=0)
    assert len(flow) == 3
    seen = np.concatenate([flow[i][1] for i in range(len(flow))])
    assert sorted(seen) == list(range(10)) and list(seen) != list(range(10))
    batch_x, batch_y = flow[0]
    np.testing.assert_array_equal(batch_x[:, 0, 0, 0], batch_y)  # pairs stay aligned
    endless = [next(flow)[1] for _ in range(6)]
    assert [len(b) for b in endless] == [4, 4, 2, 4, 4, 2]
    weights = np.linspace(0, 1, 10)
    triple = image.ImageDataGenerator().flow(x, y, sample_weight=weights, shuffle=False)
    bx, by, bw = triple[0]
    np.testing.assert_array_equal(bw, weights)
    np.testing.assert_array_equal(by, y)
    only_x = image.ImageDataGenerator(rescale=2.0).flow(x, batch_size=5, shuffle=False)
    np.testing.assert_array_equal(only_x[1][:, 0, 0, 0], 2 * np.arange(5, 10))
    split = image.ImageDataGenerator(validation_split=0.3)
    assert split.flow(x, y, subset="validation").n == 3
    assert split.flow(x, y, subset="training").n == 7
    with pytest.raises(ValueError, match="rank 4"):
        image.ImageDataGenerator().flow(x[0], y)
    with pytest.raises(ValueError, match="same length"):
        image.ImageDataGenerator().flow(x, y[:5])
    with pytest.raises(ValueError, match="validation_split"):
        image.ImageDataGenerator().flow(x, y, subset="validation")


def test_fit_accepts_flow_directly():
    keras.utils.set_random_seed(3)
    rng = np.random.default_rng(3)
    x = rng.random((40, 8, 8, 1)).astype("float32")
    y = (x[:, :, :4].mean(axis=(1, 2, 3)) > x[:, :, 4:].mean(axis=(1, 2, 3))).astype("int64")
    datagen = image.ImageDataGenerator(rotation_range=10, zoom_range=0.1)
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3),
                              keras.layers.GlobalAveragePooling2D(),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(datagen.flow(x, y, batch_size=8), epochs=2, verbose=0,
                        validation_data=image.ImageDataGenerator().flow(x, y, batch_size=8))
    assert len(history.history["loss"]) == 2 and "val_accuracy" in history.history


def _write_folder(root, rng):
    for name, count in (("cats", 3), ("dogs", 2)):
        os.makedirs(os.path.join(root, name))
        for i in range(count):
            pixels = rng.integers(0, 256, (6, 5, 3)).astype("uint8")
            image.save_img(os.path.join(root, name, f"{i}.png"), pixels, scale=False)
    with open(os.path.join(root, "cats", "notes.txt"), "w") as handle:
        handle.write("not an image")


def test_flow_from_directory_reads_png_folders(tmp_path):
    root = str(tmp_path)
    _write_folder(root, np.random.default_rng(4))
    generator = image.ImageDataGenerator(rescale=1 / 255)
    flow = generator.flow_from_directory(root, target_size=(4, 4), batch_size=2,
                                         shuffle=False)
    assert flow.class_indices == {"cats": 0, "dogs": 1} and flow.samples == 5
    assert list(flow.classes) == [0, 0, 0, 1, 1] and len(flow) == 3
    assert flow.filenames[0] == os.path.join("cats", "0.png")
    batch_x, batch_y = flow[0]
    assert batch_x.shape == (2, 4, 4, 3) and batch_x.max() <= 1.0
    np.testing.assert_array_equal(batch_y, [[1, 0], [1, 0]])
    first = image_io.resize(np.asarray(image.load_img(flow.filepaths[0])), (4, 4))
    np.testing.assert_allclose(batch_x[0], first / 255, rtol=1e-6)
    grey = generator.flow_from_directory(root, target_size=(3, 3), color_mode="grayscale",
                                         class_mode="sparse", batch_size=5, shuffle=False)
    gx, gy = grey[0]
    assert gx.shape == (5, 3, 3, 1) and list(gy) == [0, 0, 0, 1, 1]
    binary = generator.flow_from_directory(root, class_mode="binary", target_size=(2, 2))
    assert binary[0][1].dtype == np.float32
    assert generator.flow_from_directory(root, class_mode=None, target_size=(2, 2))[0].ndim == 4
    split = image.ImageDataGenerator(validation_split=0.5)
    assert split.flow_from_directory(root, subset="validation").samples == 2
    with pytest.raises(ValueError, match="class_mode"):
        generator.flow_from_directory(root, class_mode="one_hot")
    with pytest.raises(ValueError, match="not a directory"):
        generator.flow_from_directory(os.path.join(root, "missing"))


@pytest.mark.parametrize("pillow", ["without-pillow", "with-pillow"])
def test_png_files_round_trip(tmp_path, monkeypatch, pillow):
    """8-bit PNG files read and write with kerasette's own codec when Pillow is missing
    (forced here), and through Pillow when it is installed."""
    if pillow == "with-pillow":
        pytest.importorskip("PIL")
    else:
        monkeypatch.setattr(image_io, "_pillow", lambda: None)
    rng = np.random.default_rng(5)
    for channels in (1, 3, 4):
        pixels = rng.integers(0, 256, (7, 9, channels)).astype("uint8")
        path = str(tmp_path / f"img{channels}.png")
        image.save_img(path, pixels, scale=False)
        mode = {1: "grayscale", 3: "rgb", 4: "rgba"}[channels]
        np.testing.assert_array_equal(image.img_to_array(
            image.load_img(path, color_mode=mode), dtype="uint8"), pixels)
    scaled = str(tmp_path / "scaled.png")
    image.save_img(scaled, np.array([[[0.0], [0.5]], [[1.0], [0.25]]]))
    np.testing.assert_array_equal(image.img_to_array(
        image.load_img(scaled, color_mode="grayscale"), dtype="uint8")[..., 0],
        [[0, 128], [255, 64]])
    sub_and_up = bytes([1, 10, 20, 30, 5, 5, 5, 2, 1, 1, 1, 1, 1, 1])
    np.testing.assert_array_equal(image_io._unfilter(sub_and_up, 2, 6, 3, "x"),
                                  [[10, 20, 30, 15, 25, 35], [11, 21, 31, 16, 26, 36]])
    array = image.img_to_array(np.zeros((3, 4), "uint8"), data_format="channels_first")
    assert array.shape == (1, 3, 4) and array.dtype == np.float32


def test_other_formats_ask_for_pillow(tmp_path, monkeypatch):
    monkeypatch.setattr(image_io, "_pillow", lambda: None)  # as where it is not installed
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with pytest.raises(ValueError, match="not a PNG file.*pip install pillow"):
        image.load_img(str(path))
    with pytest.raises(ImportError, match="pip install pillow"):
        image.save_img(str(tmp_path / "out.jpg"), np.zeros((2, 2, 3)))


def test_channels_first_generator():
    x = np.random.default_rng(6).random((4, 3, 5, 5)).astype("float32")
    generator = image.ImageDataGenerator(horizontal_flip=True, data_format="channels_first",
                                         featurewise_center=True)
    generator.fit(x)
    assert generator.mean.shape == (3, 1, 1)
    batch = generator.flow(x, batch_size=4, shuffle=False)[0]
    assert batch.shape == (4, 3, 5, 5)
    flipped = generator.apply_transform(x[0], {"flip_horizontal": True})
    np.testing.assert_array_equal(flipped, x[0][:, :, ::-1])

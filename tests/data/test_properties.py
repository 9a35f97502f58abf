"""Property tests: whatever the loaders are given, they return exactly what was written or
raise DatasetError — never another exception, never a partial dataset."""

import tempfile
from pathlib import Path

import h5py
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nnviz.data import Dataset, DatasetError, class_balance, load_csv, load_hdf5, load_path, split

finite = st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False, width=64)


@st.composite
def labelled(draw, max_classes=4):
    """(x, y) with 2..max_classes classes, every class present."""
    k = draw(st.integers(2, max_classes))
    m = draw(st.integers(k, 25))
    n = draw(st.integers(1, 5))
    x = draw(arrays(np.float64, (m, n), elements=finite))
    y = np.array(
        draw(
            st.permutations(
                list(range(k))
                + draw(st.lists(st.integers(0, k - 1), min_size=m - k, max_size=m - k))
            )
        )
    )
    return x, y.astype(np.int64)


@given(labelled())
def test_hdf5_round_trip(xy):
    x, y = xy
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "d.h5"
        with h5py.File(path, "w") as f:
            f["X"], f["y"] = x, y
        data = load_hdf5(path)
    np.testing.assert_array_equal(data.x, x)
    np.testing.assert_array_equal(data.y, y)
    assert data.n_classes == y.max() + 1


@given(st.integers(1, 6), st.integers(1, 5), st.integers(1, 5), st.sampled_from([1, 3]), st.data())
def test_hdf5_image_round_trip(m, h, w, c, data):
    x = data.draw(arrays(np.uint8, (m, h, w, c)))
    y = np.arange(m) % 2
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "img.hdf5"
        with h5py.File(path, "w") as f:
            f["train_set_x"], f["train_set_y"] = x, y
            f["list_classes"] = np.array([b"no", b"yes"])
        loaded = load_path(path)
    np.testing.assert_array_equal(loaded.x, x)
    assert loaded.image_shape == (h, w, c) and loaded.class_names == ("no", "yes")


@given(labelled(), st.booleans())
def test_csv_round_trip(xy, with_header):
    x, y = xy
    lines = [",".join(f"f{j}" for j in range(x.shape[1])) + ",label"] if with_header else []
    lines += [
        ",".join(repr(float(v)) for v in row) + f",{label}" for row, label in zip(x, y, strict=True)
    ]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "d.csv"
        path.write_text("\n".join(lines) + "\n")
        data = load_csv(path)
    np.testing.assert_array_equal(data.x, x)
    np.testing.assert_array_equal(data.y, y)


@given(st.binary(max_size=2000), st.sampled_from([".h5", ".csv"]))
def test_arbitrary_bytes_load_or_raise_dataset_error(blob, suffix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"junk{suffix}"
        path.write_bytes(blob)
        try:
            data = load_path(path)
        except DatasetError as exc:
            assert str(path) in str(exc)
        else:  # whatever loaded is a complete, consistent dataset
            assert isinstance(data, Dataset) and data.x.shape[0] == data.y.shape[0] > 0


@given(labelled(), st.data())
def test_hdf5_with_corrupted_values_is_rejected(xy, data):
    x, y = xy
    i = data.draw(st.integers(0, x.size - 1))
    x.flat[i] = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "d.h5"
        with h5py.File(path, "w") as f:
            f["X"], f["y"] = x, y
        try:
            load_hdf5(path)
        except DatasetError as exc:
            assert "NaN or Inf" in str(exc)
        else:
            raise AssertionError("NaN/Inf samples were accepted")


@given(labelled(), st.floats(0, 0.45), st.floats(0, 0.45), st.integers(0, 2**32 - 1))
def test_split_partitions_and_stratifies(xy, validation, test, seed):
    x, y = xy
    x = np.column_stack([np.arange(len(y)), x])  # a unique id per sample
    k = int(y.max()) + 1
    data = Dataset("d", x, y, tuple(str(j) for j in range(k)))
    try:
        parts = split(data, validation, test, seed)
    except DatasetError:
        assert len(y) - max(1, round(len(y) * test)) - max(1, round(len(y) * validation)) < 1
        return
    present = [p for p in parts if p is not None]
    ids = np.concatenate([p.x[:, 0] for p in present])
    assert sorted(ids.tolist()) == list(range(len(y)))
    total = class_balance(y, k)
    for part, tolerance in zip(parts, (2, 1, 1), strict=True):
        if part is not None:
            share = part.n_samples / len(y)
            assert np.all(np.abs(class_balance(part.y, k) - share * total) < tolerance)


@given(st.integers(2, 3), st.integers(1, 3), st.integers(1, 6), st.integers(1, 6), st.data())
def test_image_folder_round_trip(k, per_class, h, w, data):
    from PIL import Image

    images = data.draw(arrays(np.uint8, (k * per_class, h, w, 3)))
    with tempfile.TemporaryDirectory() as folder:
        for i, image in enumerate(images):
            path = Path(folder) / f"c{i // per_class}" / f"{i % per_class:03d}.png"
            path.parent.mkdir(exist_ok=True)
            Image.fromarray(image).save(path)
        loaded = load_path(folder, size=None)  # PNG is lossless: the pixels come back
    np.testing.assert_array_equal(loaded.x, images)
    np.testing.assert_array_equal(loaded.y, np.repeat(np.arange(k), per_class))
    assert loaded.class_names == tuple(f"c{j}" for j in range(k))

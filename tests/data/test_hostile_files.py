"""Loaders against hostile files: pipes, devices, huge or endless files, over-long CSV
cells, broken images and odd HDF5 arrays all end in a DatasetError naming the file."""

from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np
import pytest
from PIL import Image

from nnviz.data import DatasetError, load_csv, load_hdf5, load_image_folder, load_path
from nnviz.data.loaders import MAX_CSV_BYTES, human_size

# A regression that opens a pipe would block: fail the test instead of hanging the run.
pytestmark = pytest.mark.timeout(60)


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _link(path: Path, target: Path | str) -> Path:
    path.symlink_to(target)
    return path


@pytest.mark.parametrize("name", ["x.csv", "x.h5"])
def test_fifo_is_refused_without_opening(tmp_path, name):
    path = _fifo(tmp_path / name)
    with pytest.raises(DatasetError, match=r"this is a named pipe \(FIFO\), not a regular file"):
        load_path(path)


@pytest.mark.parametrize(
    ("name", "target", "kind"),
    [
        ("x.csv", "/dev/zero", "a device"),
        ("x.h5", "/dev/zero", "a device"),
        ("y.csv", None, r"a named pipe \(FIFO\)"),
    ],
)
def test_links_to_devices_and_pipes_are_refused(tmp_path, name, target, kind):
    target = target or _fifo(tmp_path / "pipe")
    path = _link(tmp_path / name, target)
    with pytest.raises(DatasetError, match=f"{path}: this is {kind}, not a regular file"):
        load_path(path)


def test_direct_loader_calls_refuse_pipes_too(tmp_path):
    pipe = _fifo(tmp_path / "p.csv")
    with pytest.raises(DatasetError, match="named pipe"):
        load_csv(pipe)
    with pytest.raises(DatasetError, match="named pipe"):
        load_hdf5(pipe)


def test_huge_sparse_csv_states_the_limit(tmp_path):
    path = tmp_path / "big.csv"
    with open(path, "wb") as f:
        f.truncate(2 * 2**30)  # 2 GiB that take no disk space
    with pytest.raises(DatasetError) as info:
        load_csv(path)
    message = str(info.value)
    assert message.startswith(f"{path}: the file is 2.00 GiB; nnviz reads CSV files of up to")
    assert human_size(MAX_CSV_BYTES) in message and "use a sample of its rows" in message


def test_over_long_cell_names_line_and_column(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("a,b,y\n1,2,0\n3," + "9" * 200_000 + ",1\n")
    with pytest.raises(DatasetError, match=r"long\.csv, line 3, column 2: a cell of more than"):
        load_csv(path)


def test_nul_byte_names_the_line(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"a,b,y\n1,2,0\n3,\x004,1\n")
    with pytest.raises(DatasetError, match=r"nul\.csv, line 3, b: '\\x004' is not a number"):
        load_csv(path)


def test_csv_not_utf8(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"a,b,y\n1,2,\xe9\n")
    with pytest.raises(DatasetError, match=r"latin\.csv: cannot read.*save it as UTF-8"):
        load_csv(path)


# -- HDF5 -------------------------------------------------------------------------------
def _h5(path: Path, make) -> Path:
    with h5py.File(path, "w") as f:
        make(f)
    return path


def _virtual_layout() -> h5py.VirtualLayout:
    layout = h5py.VirtualLayout(shape=(2,), dtype="i8")
    layout[:] = h5py.VirtualSource("/dev/zero", "y", shape=(2,))
    return layout


HDF5_CASES = {
    "samples of text (object dtype)": (
        lambda f: (
            f.create_dataset("X", data=["a", "b"], dtype=h5py.string_dtype()),
            f.create_dataset("y", data=[0, 1]),
        ),
        "samples must be numbers, got dtype object",
    ),
    "labels of records": (
        lambda f: (
            f.create_dataset("X", data=np.zeros((2, 2))),
            f.create_dataset("y", data=np.zeros(2, [("a", "i4"), ("b", "f8")])),
        ),
        "labels must be integers, got dtype",
    ),
    "huge declared samples": (
        lambda f: (
            f.create_dataset("X", shape=(10**6, 10**6), dtype="f8", chunks=(100, 100)),
            f.create_dataset("y", data=[0, 1]),
        ),
        r"array is \(1000000, 1000000\) of float64, 7\.28 TiB as numbers to train on; nnviz "
        r"reads arrays of up to 1\.00 GiB",
    ),
    "bytes that would not fit as numbers": (
        lambda f: (
            f.create_dataset("X", shape=(10**5, 64, 64, 3), dtype="u1", chunks=(1, 64, 64, 3)),
            f.create_dataset("y", data=[0, 1]),
        ),
        r"\(100000, 64, 64, 3\) of uint8, 9\.16 GiB as numbers to train on",
    ),
    "samples larger than the file": (
        lambda f: (
            f.create_dataset("X", shape=(10**4, 10**3), dtype="f8"),
            f.create_dataset("y", data=[0, 1]),
        ),
        r"declares \(10000, 1000\) of float64 \(76.29 MiB\), more than the whole file holds",
    ),
    "empty dataspace": (
        lambda f: (
            f.create_dataset("X", data=h5py.Empty("f8")),
            f.create_dataset("y", data=[0, 1]),
        ),
        "the samples array holds nothing",
    ),
    "class names of records": (
        lambda f: (
            f.create_dataset("X", data=np.zeros((2, 2))),
            f.create_dataset("y", data=[0, 1]),
            f.create_dataset("list_classes", data=np.zeros(2, [("a", "i4")])),
        ),
        "list_classes must be class names",
    ),
    "samples stored in a device": (
        lambda f: (
            f.create_dataset("X", shape=(2, 2), dtype="f8", external=[("/dev/zero", 0, 32)]),
            f.create_dataset("y", data=[0, 1]),
        ),
        "the samples array is stored in other files",
    ),
    "labels from another file": (
        lambda f: (
            f.create_dataset("X", data=np.zeros((2, 2))),
            f.create_virtual_dataset("y", _virtual_layout()),
        ),
        "the labels array is stored in other files",
    ),
    "samples an external link": (
        lambda f: (
            f.__setitem__("X", h5py.ExternalLink("/dev/zero", "/X")),
            f.create_dataset("y", data=[0, 1]),
        ),
        r"cannot tell which arrays hold the samples and labels \(found \['y'\]\)",
    ),
}


def test_named_arrays_in_a_group_still_load(tmp_path):
    path = _h5(tmp_path / "n.h5", lambda f: f.update({"d/X": np.zeros((4, 2)), "d/y": [0, 1] * 2}))
    assert load_hdf5(path, "d/X", "d/y").x.shape == (4, 2)


@pytest.mark.parametrize("case", HDF5_CASES)
def test_hostile_hdf5(tmp_path, case):
    make, message = HDF5_CASES[case]
    path = _h5(tmp_path / "d.h5", make)
    with pytest.raises(DatasetError, match=message) as info:
        load_hdf5(path)
    assert str(info.value).startswith(f"{path}: ")


# -- image folders ----------------------------------------------------------------------
def _classes(root: Path) -> tuple[Path, Path]:
    a, b = root / "a", root / "b"
    for folder in (a, b):
        folder.mkdir(parents=True)
        Image.new("RGB", (4, 4), (10, 20, 30)).save(folder / "ok.png")
    return a, b


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (lambda p: p.write_bytes(np.random.default_rng(0).bytes(300)), "cannot read this image"),
        (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40), "cannot read this image"),
        (lambda p: Image.new("1", (5000, 4000)).save(p), "the image is 5000x4000 pixels"),
        (lambda p: os.mkfifo(p), r"named pipe \(FIFO\), not a regular file"),
        (lambda p: p.symlink_to("/dev/zero"), "a device, not a regular file"),
    ],
    ids=["random bytes", "broken PNG", "huge image", "pipe", "link to a device"],
)
def test_hostile_images(tmp_path, write, message):
    a, _ = _classes(tmp_path / "imgs")
    bad = a / "zz.png"
    write(bad)
    with pytest.raises(DatasetError, match=message) as info:
        load_image_folder(tmp_path / "imgs", size=(4, 4))
    assert str(info.value).startswith(f"{bad}: ")


def test_too_many_image_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr("nnviz.data.loaders.MAX_ARRAY_BYTES", 2 * 4 * 4 * 3 * 8)  # 2 images
    a, _ = _classes(tmp_path / "imgs")
    Image.new("RGB", (4, 4)).save(a / "more.png")
    with pytest.raises(DatasetError, match="images take more than 768 bytes as numbers"):
        load_image_folder(tmp_path / "imgs", size=(4, 4))


def test_truncated_png(tmp_path):
    a, _ = _classes(tmp_path / "imgs")
    buffer = a / "full.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (64, 64, 3), np.uint8)).save(buffer)
    buffer.write_bytes(buffer.read_bytes()[:400])
    with pytest.raises(DatasetError, match=r"full\.png: cannot read this image"):
        load_image_folder(tmp_path / "imgs")

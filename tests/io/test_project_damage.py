"""Project files against damage: every bad file is refused with a ProjectError naming the
file and the problem, before anything large is allocated; version 2 round trips exactly;
version 1 files still open; temporary files of killed saves are cleaned up."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np
import pytest

from nnviz.engine.spec import LayerSpec, NetworkSpec
from nnviz.engine.state import weight_shapes
from nnviz.io.project import (
    V1_MISSING,
    Project,
    ProjectError,
    load_project,
    remove_stale_temporaries,
    save_project,
)

SPEC = NetworkSpec(
    input_dim=3,
    layers=(LayerSpec(units=4, activation="tanh"), LayerSpec(units=1, activation="sigmoid")),
    seed=5,
)
BIG_RNG_STATE = {
    "bit_generator": "PCG64",
    "state": {"state": 2**127 + 12345, "inc": 2**126 + 1},
    "has_uint32": 0,
}


def full_project() -> Project:
    rng = np.random.default_rng(0)
    weights = tuple(rng.normal(size=s) for s in weight_shapes(SPEC))
    initial = tuple(rng.normal(size=s) for s in weight_shapes(SPEC))
    return Project(
        spec=SPEC,
        weights=weights,
        initial_weights=initial,
        history={
            "loss": np.array([0.7, 0.5, np.nan]),
            "step/grad_norms": rng.random((6, 2)),
        },
        data={"kind": "points", "name": "moons"},
        settings={"epochs": 10, "note": "é" * 70_000},  # longer than a compact attribute
        state_arrays={
            "params": rng.normal(size=21),
            "optimizer/m": rng.normal(size=21).astype(np.float32),
            "trainer/order": rng.permutation(40).astype(np.int64),
        },
        state_values={"step": 17, "rng": BIG_RNG_STATE, "lr": 0.1},
        initial_state_arrays={"params": np.zeros(21)},
        initial_state_values={"step": 0, "rng": BIG_RNG_STATE},
        runs=(
            {"values": {"name": "run 1", "seed": 2**70}, "arrays": {"loss": np.arange(4.0)}},
            {"values": {"name": "empty"}, "arrays": {}},
        ),
    )


def assert_same(got: Project, want: Project) -> None:
    assert got.spec == want.spec
    for name in ("weights", "initial_weights"):
        for a, b in zip(getattr(got, name), getattr(want, name), strict=True):
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
    for name in ("history", "state_arrays", "initial_state_arrays"):
        g, w = getattr(got, name), getattr(want, name)
        assert list(g) == list(w)
        for key in w:
            assert g[key].dtype == np.asarray(w[key]).dtype
            assert g[key].shape == w[key].shape and g[key].tobytes() == w[key].tobytes()
    for name in ("data", "settings", "state_values", "initial_state_values"):
        assert getattr(got, name) == getattr(want, name)
    assert len(got.runs) == len(want.runs)
    for g, w in zip(got.runs, want.runs, strict=True):
        assert g["values"] == w["values"] and list(g["arrays"]) == list(w["arrays"])
        for key in w["arrays"]:
            assert g["arrays"][key].tobytes() == w["arrays"][key].tobytes()


@pytest.fixture
def good(tmp_path) -> Path:
    return save_project(tmp_path / "good.nnviz", full_project())


def test_version_2_round_trip_is_bit_exact(good):
    loaded = load_project(good)
    assert_same(loaded, full_project())
    assert loaded.missing == ()
    assert loaded.state_values["rng"]["state"]["state"] == 2**127 + 12345
    assert loaded.history["step/grad_norms"].shape == (6, 2)


def test_version_1_file_opens_and_says_what_is_missing(tmp_path):
    path = tmp_path / "old.nnviz"
    project = full_project()
    with h5py.File(path, "w") as f:  # the layout nnviz wrote before version 2
        f.attrs["format"] = "nnviz-project"
        f.attrs["version"] = 1
        f.attrs["spec"] = SPEC.to_json()
        f.attrs["data"] = json.dumps(project.data)
        f.attrs["settings"] = json.dumps({"epochs": 3})
        for i, array in enumerate(project.weights):
            f.create_dataset(f"weights/{i:04d}", data=array)
        f.create_dataset("history/loss", data=[0.7, 0.5])
        f.create_dataset("history/val_loss", data=[0.8, 0.6])
    loaded = load_project(path)
    assert loaded.missing == V1_MISSING and "optimizer state" in loaded.missing
    assert loaded.state_arrays == {} and loaded.state_values == {} and loaded.runs == ()
    assert loaded.initial_weights is None and loaded.settings == {"epochs": 3}
    np.testing.assert_array_equal(loaded.history["val_loss"], [0.8, 0.6])
    for a, b in zip(loaded.weights, project.weights, strict=True):
        assert a.tobytes() == b.tobytes()


# -- the corpus of damaged files ---------------------------------------------------------
def _attr(name: str, value: object) -> Callable[[h5py.File], None]:
    def damage(f: h5py.File) -> None:
        f.attrs[name] = value

    return damage


def _attr_of(where: str, name: str, value: object) -> Callable[[h5py.File], None]:
    def damage(f: h5py.File) -> None:
        f[where].attrs[name] = value

    return damage


def _spec_with(change: Callable[[dict], None]) -> Callable[[h5py.File], None]:
    def damage(f: h5py.File) -> None:
        spec = SPEC.to_dict()
        change(spec)
        f.attrs["spec"] = json.dumps(spec)

    return damage


def _replace(where: str, make: Callable[[h5py.File, str], None]) -> Callable[[h5py.File], None]:
    def damage(f: h5py.File) -> None:
        del f[where]
        make(f, where)

    return damage


def _options(value: object) -> Callable[[dict], None]:
    def change(spec: dict) -> None:
        spec["optimizer"]["options"] = value

    return change


def _huge_input(f: h5py.File) -> None:
    # The spec asks for 1e6 inputs and 1024 units; the file declares the matching 7.6 GiB
    # array but stores no data (its chunks are never written), so the file stays small.
    spec = SPEC.to_dict()
    spec["input_dim"] = 10**6
    spec["layers"][0]["units"] = 1024
    f.attrs["spec"] = json.dumps(spec)
    del f["weights/0000"]
    f.create_dataset("weights/0000", shape=(10**6, 1024), dtype="f8", chunks=(1000, 64))


def _huge_weights(f: h5py.File) -> None:
    del f["weights/0000"]
    f.create_dataset("weights/0000", shape=(10**6, 10**6), dtype="f8", chunks=(100, 100))


def _huge_state(f: h5py.File) -> None:
    del f["state/0000"]
    f.create_dataset("state/0000", shape=(2**40,), dtype="f8", chunks=(2**16,))


def _huge_history_of_ints(f: h5py.File) -> None:
    del f["history/0000"]
    f.create_dataset("history/0000", shape=(10**9, 10**3), dtype="i8", chunks=(10, 10))


def _strings(f: h5py.File, where: str) -> None:
    f.create_dataset(where, data=np.array([b"one", b"two"]))


DAMAGE: dict[str, tuple[Callable[[h5py.File], None], str]] = {
    # the tester's 13 kinds
    "format as array": (_attr("format", np.array([1, 2])), "'format'.*single value"),
    "format as number": (_attr("format", 7), "'format'.*must be text"),
    "version as array": (_attr("version", np.array([2, 2])), "'version'.*single value"),
    "version as text": (_attr("version", "one"), "'version' must be a whole number, found text"),
    "options as list": (_spec_with(_options([1, 2])), "stored network is invalid"),
    "options as text": (_spec_with(_options("fast")), "stored network is invalid"),
    "weights as dataset": (
        _replace("weights", lambda f, w: f.create_dataset(w, data=np.zeros(3))),
        "'/weights' is not a group",
    ),
    "history as dataset": (
        _replace("history", lambda f, w: f.create_dataset(w, data=np.zeros(3))),
        "'/history' is not a group",
    ),
    "weight entry as group": (
        _replace("weights/0001", lambda f, w: f.create_group(w)),
        "'/weights/0001' is not a dataset",
    ),
    "history entry as group": (
        _replace("history/0000", lambda f, w: f.create_group(w)),
        "'/history/0000' is not a dataset",
    ),
    "history of strings": (_replace("history/0000", _strings), "holds \\|S3 data"),
    "huge weights (1e6 x 1e6)": (_huge_weights, r"shape \(1000000, 1000000\).*needs \(3, 4\)"),
    "huge declared shape fitting the spec": (
        _huge_input,
        r"declares shape \(1000000, 1024\) of float64 \(7.63 GiB\), more than the whole file",
    ),
    # more of the same families
    "format wrong": (_attr("format", "other-format"), "no 'nnviz-project' marker"),
    "version as float": (_attr("version", 2.0), "'version' must be a whole number, found float64"),
    "version from the future": (_attr("version", 99), "version 99 is not supported"),
    "spec missing": (
        lambda f: f.attrs.__delitem__("spec"),
        r"^[^(]*: the file is damaged: the entry 'spec' of '/' is missing",
    ),
    "spec not JSON": (_attr("spec", "{not json"), "stored network is invalid"),
    "spec as numbers": (_attr("spec", np.arange(3)), "'spec'.*single value"),
    "spec a JSON list": (_attr("spec", "[1, 2]"), "stored network is invalid"),
    "spec layer not a mapping": (
        _spec_with(lambda s: s["layers"].__setitem__(0, 5)),
        r"layers\[0\]: expected a mapping",
    ),
    "spec layer unknown field": (
        _spec_with(lambda s: s["layers"][0].__setitem__("colour", 1)),
        "unknown field",
    ),
    "spec activation a list": (
        _spec_with(lambda s: s["layers"][0].__setitem__("activation", [1])),
        "stored network is invalid",
    ),
    "data a JSON list": (_attr("data", "[1]"), "'data' of '/' must be a JSON object"),
    "settings not JSON": (_attr("settings", "{"), "'settings' of '/' is not valid JSON"),
    "settings nested too deep": (
        _attr("settings", "[" * 100_000),
        "'settings' of '/' is not valid JSON",
    ),
    "state values with a 5000-digit number": (
        _attr("state_values", '{"x": ' + "9" * 5000 + "}"),
        "'state_values' of '/' is not valid JSON",
    ),
    "state values missing": (
        lambda f: f.attrs.__delitem__("state_values"),
        "'state_values' of '/' is missing",
    ),
    "text attribute as bytes array": (
        _attr("data", np.frombuffer(b"{}", dtype="u1")),
        "'data'.*single value",
    ),
    "weights missing one": (lambda f: f.__delitem__("weights/0003"), "holds 3 arrays.*needs 4"),
    "weights wrong shape": (
        _replace("weights/0000", lambda f, w: f.create_dataset(w, data=np.zeros((4, 3)))),
        r"shape \(4, 3\), the network needs \(3, 4\)",
    ),
    "weights of integers": (
        _replace("weights/0001", lambda f, w: f.create_dataset(w, data=np.zeros(4, "i8"))),
        "holds int64 data, expected plain numbers",
    ),
    "weights of complex numbers": (
        _replace("weights/0001", lambda f, w: f.create_dataset(w, data=np.zeros(4, "c16"))),
        "holds complex128 data",
    ),
    "weights not finite": (
        lambda f: f["weights/0001"].__setitem__(0, np.inf),
        r"weights of layer 1 \(b\) must be finite",
    ),
    "weights an external link": (
        _replace("weights", lambda f, w: f.__setitem__(w, h5py.ExternalLink("/etc/x", "/"))),
        "'/weights' is a link to elsewhere",
    ),
    "weights a soft link": (
        _replace("initial_weights", lambda f, w: f.__setitem__(w, h5py.SoftLink("/weights"))),
        "'/initial_weights' is a link to elsewhere",
    ),
    "state stored in a device": (
        _replace(
            "state/0000",
            lambda f, w: f.create_dataset(
                w, shape=(21,), dtype="f8", external=[("/dev/zero", 0, 168)]
            ),
        ),
        "'/state/0000' is stored in other files",
    ),
    "history 3-D": (
        _replace("history/0000", lambda f, w: f.create_dataset(w, data=np.zeros((2, 2, 2)))),
        r"shape \(2, 2, 2\), expected 1-D or 2-D",
    ),
    "history huge, of integers": (_huge_history_of_ints, "holds int64 data"),
    "history names not a list": (
        _attr_of("history", "names", '{"a": 1}'),
        "'names' of '/history' must be a JSON list",
    ),
    "history names repeated": (
        _attr_of("history", "names", '["loss", "loss"]'),
        "must be distinct texts",
    ),
    "history names fewer than arrays": (
        _attr_of("history", "names", '["loss"]'),
        "holds 2 arrays but its names list 1",
    ),
    "history group missing": (lambda f: f.__delitem__("history"), "'/history' is missing"),
    "state huge (2**40 values)": (
        _huge_state,
        r"declares shape \(1099511627776,\) of float64 \(8.00 TiB\)",
    ),
    "state of objects": (
        _replace(
            "state/0000", lambda f, w: f.create_dataset(w, data=[b"ab"], dtype=h5py.string_dtype())
        ),
        "expected plain numbers",
    ),
    "state of records": (
        _replace(
            "state/0001",
            lambda f, w: f.create_dataset(w, data=np.zeros(2, [("a", "f8"), ("b", "i4")])),
        ),
        "expected plain numbers",
    ),
    "state an empty dataspace": (
        _replace("state/0002", lambda f, w: f.create_dataset(w, data=h5py.Empty("f8"))),
        "holds no array",
    ),
    "runs not numbered": (
        lambda f: f.move("runs/0001", "runs/0007"),
        "runs are not numbered",
    ),
    "run values missing": (
        lambda f: f["runs/0000"].attrs.__delitem__("values"),
        "'values' of '/runs/0000' is missing",
    ),
    "checksum missing": (lambda f: f.attrs.__delitem__("checksum"), "'checksum' of '/' is missing"),
    "settings changed": (_attr("settings", '{"epochs": 11}'), "checksum does not match"),
    "state value changed": (
        lambda f: f["state/0002"].__setitem__(0, 41),
        "checksum does not match",
    ),
}


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_damaged_file_is_refused(good, kind):
    damage, problem = DAMAGE[kind]
    with h5py.File(good, "r+") as f:
        damage(f)
    assert good.stat().st_size < 2**20  # no real data behind the huge declared shapes
    with pytest.raises(ProjectError, match=problem) as info:
        load_project(good)
    assert str(good) in str(info.value)


def _weights_offset(path: Path) -> tuple[int, int]:
    with h5py.File(path, "r") as f:
        dataset = f["weights/0000"]
        return dataset.id.get_offset(), dataset.id.get_storage_size()


@pytest.mark.parametrize("bit", [0, 7, 21, 40])
def test_bit_flip_in_the_middle_of_weights_is_named(good, bit):
    offset, size = _weights_offset(good)
    data = bytearray(good.read_bytes())
    data[offset + size // 2 - 4 + bit // 8] ^= 1 << (bit % 8)  # a mantissa bit: still finite
    good.write_bytes(data)
    with pytest.raises(ProjectError, match="the file is damaged: its checksum does not match"):
        load_project(good)


def test_scrambled_bytes_in_weights_are_named(good):
    offset, _ = _weights_offset(good)
    data = bytearray(good.read_bytes())
    data[offset + 8 : offset + 40] = np.random.default_rng(1).bytes(32)
    good.write_bytes(data)
    with pytest.raises(ProjectError, match=f"{good}: .*damaged"):
        load_project(good)


@pytest.mark.parametrize("fraction", [0.0, 0.001, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.999])
def test_truncated_file_is_refused(good, fraction):
    data = good.read_bytes()
    good.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(ProjectError, match=str(good)):
        load_project(good)


def test_scrambled_anywhere_is_refused_or_loads_unchanged(good):
    """32 random bytes at 40 places: damage that matters is refused, the rest (padding,
    unused space) changes nothing that loads."""
    original = good.read_bytes()
    want = full_project()
    rng = np.random.default_rng(7)
    refused = 0
    for _ in range(40):
        data = bytearray(original)
        start = int(rng.integers(0, len(data) - 32))
        data[start : start + 32] = rng.bytes(32)
        good.write_bytes(data)
        try:
            loaded = load_project(good)
        except ProjectError as exc:
            assert str(good) in str(exc)
            refused += 1
        else:
            assert_same(loaded, want)
    assert refused > 0


@pytest.mark.parametrize("content", [b"", b"\x89HDF\r\n\x1a\n", b"hello", None])
def test_random_and_short_files_are_refused(tmp_path, content):
    path = tmp_path / "noise.nnviz"
    path.write_bytes(np.random.default_rng(3).bytes(5000) if content is None else content)
    with pytest.raises(ProjectError, match=f"{path}: not an nnviz project"):
        load_project(path)


@pytest.mark.timeout(60)  # opening the pipe would block: fail instead of hanging
def test_fifo_and_folder_are_refused_without_opening(tmp_path):
    fifo = tmp_path / "pipe.nnviz"
    os.mkfifo(fifo)
    with pytest.raises(ProjectError, match=r"pipe\.nnviz: not a regular file"):
        load_project(fifo)  # would block forever if opened
    (tmp_path / "dir.nnviz").mkdir()
    with pytest.raises(ProjectError, match=r"dir\.nnviz: not a regular file"):
        load_project(tmp_path / "dir.nnviz")


# -- saving ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"history": {"x": np.zeros((2, 2, 2))}}, "history 'x' must be 1-D or 2-D"),
        ({"history": {"x": ["a"]}}, "history 'x' must be a numeric array"),
        ({"state_arrays": {"o": np.array([object()])}}, "state_arrays 'o' must be a numeric"),
        ({"state_arrays": {1: np.zeros(2)}}, "state_arrays: names must be text"),
        ({"state_values": {"f": object()}}, "state_values is not JSON-able"),
        ({"settings": [1, 2]}, "settings must be a mapping"),
        ({"runs": ({"values": {}, "other": 1},)}, "run 1 must be a mapping"),
    ],
)
def test_unsaveable_parts_are_refused_before_writing(tmp_path, change, problem):
    target = tmp_path / "p.nnviz"
    fields = {"spec": SPEC, **change}
    with pytest.raises(ProjectError, match=f"cannot save {target}: {problem}"):
        save_project(target, Project(**fields))
    assert list(tmp_path.iterdir()) == []


def test_leftover_temporaries_are_removed_by_the_next_save(tmp_path):
    # A real interrupted save: the process is killed just before the rename.
    script = textwrap.dedent(
        f"""
        import os, signal
        from nnviz.io import project
        from nnviz.engine.spec import NetworkSpec
        project.os.replace = lambda *a: os.kill(os.getpid(), signal.SIGKILL)
        project.save_project({str(tmp_path / "net.nnviz")!r}, project.Project(NetworkSpec()))
        """
    )
    killed = subprocess.run([sys.executable, "-c", script], timeout=120)
    assert killed.returncode == -9
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].startswith(".net.nnviz.") and left[0].endswith(".tmp")

    busy = tmp_path / ".other.nnviz.abc123.tmp"  # a save in progress holds its lock
    unrelated = tmp_path / ".notes.tmp"
    busy.write_bytes(b"x")
    unrelated.write_bytes(b"x")
    with open(busy, "rb") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        save_project(tmp_path / "net.nnviz", Project(SPEC))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".notes.tmp",
        ".other.nnviz.abc123.tmp",
        "net.nnviz",
    ]
    assert remove_stale_temporaries(tmp_path) == [busy]


def test_long_json_texts_are_stored(tmp_path):
    values = {"rng": [2**64 + i for i in range(50_000)]}  # ~1 MB of JSON
    path = save_project(tmp_path / "long.nnviz", Project(SPEC, state_values=values))
    assert load_project(path).state_values == values

"""Project files: one HDF5 file holding a network spec, its weights, its training history,
the engine's exact training state and the settings that regenerate or reload its data.

Layout (version 2)::

    /                 attrs: format="nnviz-project", version=2, and JSON texts: spec, data,
                             settings, state_values, initial_state_values; checksum
    /weights/0000...  the model's weights in get_weights() order [W1, b1, W2, b2, ...]
    /initial_weights/ the weights training started from ("reset to the same weights")
    /history          an array map: attr names (a JSON list), datasets 0000, 0001, ...
    /state            an array map of the training state (names may hold '/')
    /initial_state    an array map of the state training started from
    /runs/0000...     kept runs: attr values (JSON object) and an array map each

Version 1 files (no state, runs or checksum; history as one dataset per name) still open;
``Project.missing`` says in words what they lack.

Every file read is hostile until checked: each object must be the kind expected (group
or dataset, hard links only), each attribute a scalar of the right type, each dataset a
plain numeric dtype whose declared size fits in the file and whose shape fits the spec
before anything is read, and the SHA-256 checksum over everything stored must match.
Nothing is unpickled. Files are written atomically: a temporary file in the same folder
(locked while written), fsync, then a rename; temporary files left by a killed save are
removed by the next save to that folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from nnviz.engine.spec import NetworkSpec, SpecError
from nnviz.engine.state import weight_shapes

try:
    import fcntl
except ImportError:  # Windows: open files cannot be deleted there anyway
    fcntl = None  # type: ignore[assignment]

FORMAT_NAME = "nnviz-project"
FORMAT_VERSION = 2
SUFFIX = ".nnviz"
#: A temporary file of an interrupted save is removed by the next save once it is no
#: longer locked by a saver (or, where locks are not available, this many seconds old).
STALE_SECONDS = 60.0
V1_MISSING = (
    "optimizer state",
    "training state (step counters, random generators)",
    "the training state it started from",
    "history per step",
    "checksum",
)
_JSON_ERRORS = (ValueError, TypeError, RecursionError)


class ProjectError(ValueError):
    """A project file cannot be read or written; the message says why and what to do."""


@dataclass(frozen=True)
class Project:
    """Everything a project file stores.

    ``history``: float arrays, 1-D or 2-D (e.g. per-layer gradient norms per step).
    ``data``, ``settings``, ``state_values`` and ``initial_state_values``: JSON-able
    mappings with str keys (integers of any size are kept exactly). ``state_arrays`` and
    ``initial_state_arrays``: the engine's exact training state, numeric arrays by name
    (names may hold '/'). ``runs``: kept runs, each ``{"values": JSON object, "arrays":
    {name: array}}``. ``missing``: on load, what an older file did not have, in words."""

    spec: NetworkSpec
    weights: tuple[np.ndarray, ...] | None = None
    initial_weights: tuple[np.ndarray, ...] | None = None
    history: Mapping[str, np.ndarray] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)
    state_arrays: Mapping[str, np.ndarray] = field(default_factory=dict)
    state_values: Mapping[str, Any] = field(default_factory=dict)
    initial_state_arrays: Mapping[str, np.ndarray] = field(default_factory=dict)
    initial_state_values: Mapping[str, Any] = field(default_factory=dict)
    runs: tuple[Mapping[str, Any], ...] = ()
    missing: tuple[str, ...] = ()


# -- checksum ---------------------------------------------------------------------------
class _Digest:
    """SHA-256 over named items (texts and arrays), independent of their order."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}

    def text(self, key: str, value: str) -> None:
        self.items[key] = hashlib.sha256(b"text\0" + value.encode("utf-8")).hexdigest()

    def array(self, key: str, value: np.ndarray) -> None:
        plain = np.ascontiguousarray(value, dtype=value.dtype.newbyteorder("<"))
        digest = hashlib.sha256(f"array\0{plain.dtype.str}\0{plain.shape}\0".encode())
        digest.update(plain.reshape(-1).view(np.uint8))  # the bytes, without a copy
        self.items[key] = digest.hexdigest()

    def hexdigest(self) -> str:
        lines = "".join(f"{key}\0{self.items[key]}\n" for key in sorted(self.items))
        return "sha256:" + hashlib.sha256(lines.encode("utf-8")).hexdigest()


# -- saving -----------------------------------------------------------------------------
def save_project(path: str | os.PathLike[str], project: Project) -> Path:
    """Write ``project`` to ``path`` atomically (version 2); returns the path written."""
    target = Path(path)

    def fail(problem: str) -> ProjectError:
        return ProjectError(f"cannot save {target}: {problem}")

    try:
        project.spec.validate()
    except SpecError as exc:
        raise fail(f"the network is invalid ({exc})") from exc
    for name, weights in (
        ("weights", project.weights),
        ("initial_weights", project.initial_weights),
    ):
        if weights is not None:
            _check_weights(name, weights, project.spec, target)
    texts = {
        "spec": project.spec.to_json(),
        "data": _dump_object("data", project.data, fail),
        "settings": _dump_object("settings", project.settings, fail),
        "state_values": _dump_object("state_values", project.state_values, fail),
        "initial_state_values": _dump_object(
            "initial_state_values", project.initial_state_values, fail
        ),
    }
    maps = {
        "history": _plain_arrays("history", project.history, "f", (1, 2), fail),
        "state": _plain_arrays("state_arrays", project.state_arrays, "biuf", None, fail),
        "initial_state": _plain_arrays(
            "initial_state_arrays", project.initial_state_arrays, "biuf", None, fail
        ),
    }
    runs = [_plain_run(i, run, fail) for i, run in enumerate(project.runs)]
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(target.parent)
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
        )
    except OSError as exc:
        raise fail(f"{exc.strerror or exc}; choose another folder") from exc
    try:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with h5py.File(temporary, "w", locking=False) as f:
            digest = _Digest()
            _write_text(f, "format", FORMAT_NAME, digest)
            f.attrs["version"] = np.int64(FORMAT_VERSION)
            digest.text("@/version", str(FORMAT_VERSION))
            for name, text in texts.items():
                _write_text(f, name, text, digest)
            for name, weights in (
                ("weights", project.weights),
                ("initial_weights", project.initial_weights),
            ):
                if weights is not None:
                    group = f.create_group(name)
                    for i, array in enumerate(weights):
                        _write_array(group, f"{i:04d}", np.asarray(array), digest)
            for name, arrays in maps.items():
                _write_map(f.create_group(name), arrays, digest)
            runs_group = f.create_group("runs")
            for i, (values, arrays) in enumerate(runs):
                group = runs_group.create_group(f"{i:04d}")
                _write_text(group, "values", values, digest)
                _write_map(group, arrays, digest)
            f.attrs["checksum"] = digest.hexdigest()
        os.fsync(handle)
        os.replace(temporary, target)
        _fsync_folder(target.parent)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise fail(f"{exc}; check free space and permissions") from exc
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    finally:
        os.close(handle)
    return target


def remove_stale_temporaries(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary files (``.NAME.nnviz.*.tmp``) that interrupted saves left in
    ``folder``: those no saver holds locked (or, without file locks, older than
    :data:`STALE_SECONDS`). Returns the files removed."""
    removed = []
    for candidate in Path(folder).glob(f".*{SUFFIX}.*.tmp"):
        if not _abandoned(candidate):
            continue
        with contextlib.suppress(OSError):
            candidate.unlink()
            removed.append(candidate)
    return removed


def _abandoned(candidate: Path) -> bool:
    try:
        status = candidate.lstat()
        if not stat.S_ISREG(status.st_mode):
            return False
        if fcntl is None:
            return time.time() - status.st_mtime > STALE_SECONDS
        fd = os.open(candidate, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # a save in progress holds it
    finally:
        os.close(fd)
    return True


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX; folders cannot be opened on Windows)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _dump_object(name: str, value: Any, fail: Callable[[str], ProjectError]) -> str:
    if not isinstance(value, Mapping):
        raise fail(f"{name} must be a mapping, got {type(value).__name__}")
    try:
        return json.dumps(dict(value))
    except _JSON_ERRORS as exc:
        raise fail(f"{name} is not JSON-able ({exc})") from exc


def _plain_arrays(
    name: str,
    arrays: Mapping[str, Any],
    kinds: str,
    ndims: tuple[int, ...] | None,
    fail: Callable[[str], ProjectError],
) -> dict[str, np.ndarray]:
    if not isinstance(arrays, Mapping):
        raise fail(f"{name} must be a mapping of names to arrays")
    plain = {}
    for key, value in arrays.items():
        if not isinstance(key, str):
            raise fail(f"{name}: names must be text, got {key!r}")
        try:
            array = np.asarray(value, dtype=np.float64) if kinds == "f" else np.asarray(value)
        except (TypeError, ValueError) as exc:
            raise fail(f"{name} '{key}' must be a numeric array ({exc})") from exc
        if array.dtype.kind not in kinds or array.dtype.itemsize > 8:
            raise fail(f"{name} '{key}' must be a numeric array, got dtype {array.dtype}")
        if ndims is not None and array.ndim not in ndims:
            raise fail(f"{name} '{key}' must be 1-D or 2-D, got shape {array.shape}")
        plain[key] = array
    return plain


def _plain_run(
    index: int, run: Any, fail: Callable[[str], ProjectError]
) -> tuple[str, dict[str, np.ndarray]]:
    where = f"run {index + 1}"
    if not isinstance(run, Mapping) or set(run) - {"values", "arrays"}:
        raise fail(f"{where} must be a mapping with 'values' and 'arrays'")
    values = _dump_object(f"{where} values", run.get("values", {}), fail)
    return values, _plain_arrays(f"{where} arrays", run.get("arrays", {}), "biuf", None, fail)


def _write_text(obj: h5py.HLObject, name: str, text: str, digest: _Digest) -> None:
    obj.attrs.create(name, text, dtype=h5py.string_dtype("utf-8"))
    digest.text(_attr_key(obj, name), text)


def _attr_key(obj: h5py.HLObject, name: str) -> str:
    return f"@{obj.name.rstrip('/')}/{name}"


def _write_array(group: h5py.Group, key: str, array: np.ndarray, digest: _Digest) -> None:
    dataset = group.create_dataset(key, data=array)
    digest.array(dataset.name, array)


def _write_map(group: h5py.Group, arrays: Mapping[str, np.ndarray], digest: _Digest) -> None:
    _write_text(group, "names", json.dumps(list(arrays)), digest)
    for i, array in enumerate(arrays.values()):
        _write_array(group, f"{i:04d}", array, digest)


# -- loading ----------------------------------------------------------------------------
def load_project(path: str | os.PathLike[str]) -> Project:
    """Read a project file (version 1 or 2), checking every part before reading it."""
    source = Path(path)
    if not source.exists():
        raise ProjectError(f"{source}: no such file; choose an existing .nnviz project")
    if not source.is_file():
        raise ProjectError(f"{source}: not a regular file; choose a .nnviz project file")
    try:
        size = source.stat().st_size
        f = h5py.File(source, "r", locking=False)
    except OSError as exc:
        raise ProjectError(
            f"{source}: not an nnviz project (not a readable HDF5 file: {exc}); "
            "open a file saved by nnviz"
        ) from exc
    try:
        with f:
            return _Reader(f, source, size).project()
    except ProjectError:
        raise
    except (OSError, RuntimeError, KeyError, ValueError, TypeError, MemoryError) as exc:
        raise ProjectError(
            f"{source}: the file is damaged ({type(exc).__name__}: {exc}); "
            "open a backup copy or save the project again"
        ) from exc


class _Reader:
    """Reads one open project file, checking each object before reading it."""

    def __init__(self, f: h5py.File, source: Path, size: int) -> None:
        self.f = f
        self.source = source
        self.size = size
        self.budget = size  # bytes all datasets together may still declare
        self.digest = _Digest()

    def fail(self, problem: str) -> ProjectError:
        return ProjectError(f"{self.source}: {problem}")

    def damaged(self, problem: str) -> ProjectError:
        return self.fail(f"the file is damaged: {problem}; open a backup copy")

    # -- the whole project --------------------------------------------------------------
    def project(self) -> Project:
        if self._attr_text(self.f, "format", required=False) != FORMAT_NAME:
            raise self.fail(f"not an nnviz project (no '{FORMAT_NAME}' marker)")
        version = self._version()
        text = self._attr_text(self.f, "spec")
        try:
            spec = NetworkSpec.from_json(text)
        except (SpecError, TypeError, ValueError, KeyError, AttributeError, RecursionError) as exc:
            raise self.fail(f"the stored network is invalid ({exc})") from exc
        data = self._attr_json(self.f, "data")
        settings = self._attr_json(self.f, "settings")
        weights = self._weights("weights", spec)
        initial = self._weights("initial_weights", spec)
        self._check_finite("weights", weights)
        self._check_finite("initial_weights", initial)
        if version == 1:
            return Project(
                spec, weights, initial, self._history_v1(), data, settings, missing=V1_MISSING
            )
        project = Project(
            spec,
            weights,
            initial,
            history=self._map(self._node(self.f, "history", h5py.Group), "f", (1, 2)),
            data=data,
            settings=settings,
            state_arrays=self._map(self._node(self.f, "state", h5py.Group), "biuf"),
            state_values=self._attr_json(self.f, "state_values"),
            initial_state_arrays=self._map(self._node(self.f, "initial_state", h5py.Group), "biuf"),
            initial_state_values=self._attr_json(self.f, "initial_state_values"),
            runs=self._runs(),
        )
        self._check_sum()
        return project

    def _version(self) -> int:
        version = self._attr_int(self.f, "version")
        if version not in (1, FORMAT_VERSION):
            raise self.fail(
                f"project format version {version} is not supported (this nnviz reads "
                f"versions 1 to {FORMAT_VERSION}); update nnviz"
            )
        self.digest.text("@/version", str(version))
        return version

    def _check_sum(self) -> None:
        stored = self._attr_text(self.f, "checksum", record=False)
        if stored != self.digest.hexdigest():
            raise self.damaged(
                "its checksum does not match; its content changed after it was saved "
                "(a disk or copy error, or another program wrote to it)"
            )

    # -- objects ------------------------------------------------------------------------
    def _node(self, group: h5py.Group, key: str, kind: type, required: bool = True) -> Any:
        """``group[key]`` when it is a hard link to a ``kind`` (Group or Dataset)."""
        where = f"{group.name.rstrip('/')}/{key}"
        link = group.get(key, getlink=True)
        if link is None:
            if required:
                raise self.damaged(f"'{where}' is missing")
            return None
        if not isinstance(link, h5py.HardLink):
            raise self.damaged(f"'{where}' is a link to elsewhere, expected stored data")
        found = group.get(key, getclass=True)
        if found is not kind:
            expected = "group" if kind is h5py.Group else "dataset"
            raise self.damaged(f"'{where}' is not a {expected}")
        return group[key]

    def _attr_id(self, obj: h5py.HLObject, name: str, required: bool) -> Any:
        if name not in obj.attrs:
            if required:
                raise self.damaged(f"the entry '{name}' of '{obj.name}' is missing")
            return None
        attr = obj.attrs.get_id(name)
        if attr.shape != ():
            raise self.damaged(
                f"the entry '{name}' of '{obj.name}' must be a single value, "
                f"found an array of shape {attr.shape}"
            )
        return attr

    def _attr_text(
        self, obj: h5py.HLObject, name: str, required: bool = True, record: bool = True
    ) -> str | None:
        attr = self._attr_id(obj, name, required)
        if attr is None:
            return None
        if h5py.check_string_dtype(attr.dtype) is None or attr.get_storage_size() > self.size:
            raise self.damaged(f"the entry '{name}' of '{obj.name}' must be text")
        value = obj.attrs[name]
        if isinstance(value, bytes):
            try:
                value = value.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise self.damaged(f"the entry '{name}' is not UTF-8 text ({exc})") from exc
        if not isinstance(value, str):
            raise self.damaged(f"the entry '{name}' of '{obj.name}' must be text")
        if record:
            self.digest.text(_attr_key(obj, name), value)
        return value

    def _attr_int(self, obj: h5py.HLObject, name: str) -> int:
        attr = self._attr_id(obj, name, True)
        if attr.dtype.kind not in "iu":
            found = "text" if h5py.check_string_dtype(attr.dtype) else f"{attr.dtype} data"
            raise self.damaged(f"the entry '{name}' must be a whole number, found {found}")
        return int(obj.attrs[name])

    def _attr_json(self, obj: h5py.HLObject, name: str, kind: type = dict) -> Any:
        text = self._attr_text(obj, name)
        try:
            value = json.loads(text)
        except _JSON_ERRORS as exc:
            raise self.damaged(
                f"the entry '{name}' of '{obj.name}' is not valid JSON ({exc})"
            ) from exc
        if not isinstance(value, kind):
            raise self.damaged(
                f"the entry '{name}' of '{obj.name}' must be a JSON "
                f"{'object' if kind is dict else 'list'}, found {type(value).__name__}"
            )
        return value

    def _array(
        self,
        dataset: h5py.Dataset,
        kinds: str,
        shape: tuple[int, ...] | None = None,
        ndims: tuple[int, ...] | None = None,
    ) -> np.ndarray:
        """Read ``dataset`` after checking dtype, shape and size against the file."""
        where = f"'{dataset.name}'"
        dtype = dataset.dtype
        if dtype.kind not in kinds or dtype.itemsize > 8 or dtype.fields or dtype.subdtype:
            raise self.damaged(f"{where} holds {dtype} data, expected plain numbers")
        if dataset.external or dataset.is_virtual:
            raise self.damaged(f"{where} is stored in other files, expected stored data")
        declared = dataset.shape
        if declared is None:
            raise self.damaged(f"{where} holds no array")
        if shape is not None and declared != shape:
            raise self.damaged(f"{where} has shape {declared}, the network needs {shape}")
        if ndims is not None and len(declared) not in ndims:
            raise self.damaged(f"{where} has shape {declared}, expected 1-D or 2-D")
        nbytes = int(np.prod(declared, dtype=object)) * dtype.itemsize
        if nbytes > self.budget:
            raise self.damaged(
                f"{where} declares shape {declared} of {dtype} ({_human(nbytes)}), "
                f"more than the whole file holds ({_human(self.size)})"
            )
        self.budget -= nbytes
        array = np.asarray(dataset[()])
        array = array.astype(array.dtype.newbyteorder("="), copy=False)
        self.digest.array(dataset.name, array)
        return array

    # -- parts --------------------------------------------------------------------------
    def _weights(self, name: str, spec: NetworkSpec) -> tuple[np.ndarray, ...] | None:
        group = self._node(self.f, name, h5py.Group, required=False)
        if group is None:
            return None
        expected = weight_shapes(spec)
        if sorted(group) != [f"{i:04d}" for i in range(len(expected))]:
            raise self.fail(
                f"{name} holds {len(group)} arrays but the network needs {len(expected)}"
            )
        return tuple(
            self._array(self._node(group, f"{i:04d}", h5py.Dataset), "f", shape)
            for i, shape in enumerate(expected)
        )

    def _check_finite(self, name: str, weights: tuple[np.ndarray, ...] | None) -> None:
        for i, array in enumerate(weights or ()):
            if not np.all(np.isfinite(array)):
                kind = "W" if i % 2 == 0 else "b"
                raise self.fail(f"{name} of layer {i // 2 + 1} ({kind}) must be finite floats")

    def _map(
        self, group: h5py.Group, kinds: str, ndims: tuple[int, ...] | None = None
    ) -> dict[str, np.ndarray]:
        """An array map: attr ``names`` (a JSON list) and datasets 0000, 0001, ..."""
        names = self._attr_json(group, "names", list)
        if not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
            raise self.damaged(f"the names of '{group.name}' must be distinct texts")
        keys = [f"{i:04d}" for i in range(len(names))]
        if sorted(group) != keys:
            raise self.damaged(
                f"'{group.name}' holds {len(group)} arrays but its names list {len(names)}"
            )
        return {
            n: self._array(self._node(group, key, h5py.Dataset), kinds, ndims=ndims)
            for n, key in zip(names, keys, strict=True)
        }

    def _runs(self) -> tuple[dict[str, Any], ...]:
        group = self._node(self.f, "runs", h5py.Group, required=False)
        if group is None:  # optional: files written before runs were kept
            return ()
        keys = [f"{i:04d}" for i in range(len(group))]
        if sorted(group) != keys:
            raise self.damaged("the kept runs are not numbered 0000, 0001, ...")
        runs = []
        for key in keys:
            run = self._node(group, key, h5py.Group)
            values = self._attr_json(run, "values")
            runs.append({"values": values, "arrays": self._map(run, "biuf")})
        return tuple(runs)

    def _history_v1(self) -> dict[str, np.ndarray]:
        group = self._node(self.f, "history", h5py.Group, required=False)
        if group is None:
            return {}
        return {
            name: self._array(self._node(group, name, h5py.Dataset), "f", ndims=(1,)).astype(
                np.float64
            )
            for name in sorted(group)
        }


def _human(nbytes: int) -> str:
    value = float(nbytes)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.2f} {unit}"
        value /= 1024
    return f"{value:.2f} TiB"


def _check_weights(
    name: str, weights: Sequence[np.ndarray], spec: NetworkSpec, where: Path
) -> None:
    expected = weight_shapes(spec)
    if len(weights) != len(expected):
        raise ProjectError(
            f"{where}: {name} holds {len(weights)} arrays but the network needs {len(expected)}"
        )
    for i, (array, shape) in enumerate(zip(weights, expected, strict=True)):
        array = np.asarray(array)
        kind = "W" if i % 2 == 0 else "b"
        if array.shape != shape:
            raise ProjectError(
                f"{where}: {name} of layer {i // 2 + 1} ({kind}) has shape {array.shape}, "
                f"the network needs {shape}"
            )
        if not np.issubdtype(array.dtype, np.floating) or not np.all(np.isfinite(array)):
            raise ProjectError(
                f"{where}: {name} of layer {i // 2 + 1} ({kind}) must be finite floats"
            )

"""Project files: one HDF5 file holding a network spec, its weights, its training history
and the dataset settings that regenerate or reload its data.

Layout (version 1)::

    /                 attrs: format="nnviz-project", version=1, spec (JSON), data (JSON),
                             settings (JSON)
    /weights/0000...  the model's weights in get_weights() order [W1, b1, W2, b2, ...]
    /initial_weights/ the weights training started from ("reset to the same weights")
    /history/<name>   one float64 vector per recorded series (loss, val_loss, ...)

Files are written atomically (a temporary file in the same folder, then a rename), so a
crash or a full disk never leaves a half-written project behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from nnviz.engine.spec import NetworkSpec, SpecError

FORMAT_NAME = "nnviz-project"
FORMAT_VERSION = 1
SUFFIX = ".nnviz"


class ProjectError(ValueError):
    """A project file cannot be read or written; the message says why and what to do."""


@dataclass(frozen=True)
class Project:
    """Everything a project file stores. ``data`` and ``settings`` are JSON-able mappings
    owned by their producers (the dataset config, the app's training settings)."""

    spec: NetworkSpec
    weights: tuple[np.ndarray, ...] | None = None
    initial_weights: tuple[np.ndarray, ...] | None = None
    history: Mapping[str, np.ndarray] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)


def expected_weight_shapes(spec: NetworkSpec) -> list[tuple[int, ...]]:
    """Shapes of ``[W1, b1, W2, b2, ...]`` for ``spec``: W is (inputs, units), b (units,)."""
    shapes: list[tuple[int, ...]] = []
    inputs = spec.input_dim
    for layer in spec.dense_layers:
        shapes += [(inputs, layer.units), (layer.units,)]
        inputs = layer.units
    return shapes


def save_project(path: str | os.PathLike[str], project: Project) -> Path:
    """Write ``project`` to ``path`` atomically; returns the path written."""
    target = Path(path)
    project.spec.validate()
    for name, weights in (
        ("weights", project.weights),
        ("initial_weights", project.initial_weights),
    ):
        if weights is not None:
            _check_weights(name, weights, project.spec, target)
    try:
        data_json = json.dumps(dict(project.data))
        settings_json = json.dumps(dict(project.settings))
    except (TypeError, ValueError) as exc:
        raise ProjectError(
            f"cannot save {target}: dataset or settings are not JSON-able ({exc})"
        ) from exc
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
        )
        os.close(handle)
    except OSError as exc:
        raise ProjectError(
            f"cannot save {target}: {exc.strerror or exc}; choose another folder"
        ) from exc
    try:
        with h5py.File(temporary, "w") as f:
            f.attrs["format"] = FORMAT_NAME
            f.attrs["version"] = FORMAT_VERSION
            f.attrs["spec"] = project.spec.to_json()
            f.attrs["data"] = data_json
            f.attrs["settings"] = settings_json
            for name, weights in (
                ("weights", project.weights),
                ("initial_weights", project.initial_weights),
            ):
                if weights is not None:
                    group = f.create_group(name)
                    for i, array in enumerate(weights):
                        group.create_dataset(f"{i:04d}", data=np.asarray(array))
            history = f.create_group("history")
            for name, values in project.history.items():
                history.create_dataset(name, data=np.asarray(values, dtype=np.float64))
        os.replace(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise ProjectError(
            f"cannot save {target}: {exc}; check free space and permissions"
        ) from exc
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def load_project(path: str | os.PathLike[str]) -> Project:
    """Read a project file, checking every part against the spec it holds."""
    source = Path(path)
    if not source.is_file():
        raise ProjectError(f"{source}: no such file; choose an existing .nnviz project")
    try:
        f = h5py.File(source, "r")
    except OSError as exc:
        raise ProjectError(
            f"{source}: not an nnviz project (not a readable HDF5 file: {exc}); "
            "open a file saved by nnviz"
        ) from exc
    with f:
        if f.attrs.get("format") != FORMAT_NAME:
            raise ProjectError(f"{source}: not an nnviz project (no '{FORMAT_NAME}' marker)")
        version = int(f.attrs.get("version", -1))
        if version != FORMAT_VERSION:
            raise ProjectError(
                f"{source}: project format version {version} is not supported "
                f"(this nnviz reads version {FORMAT_VERSION}); update nnviz"
            )
        try:
            spec = NetworkSpec.from_json(_text_attr(f, "spec", source))
        except SpecError as exc:
            raise ProjectError(f"{source}: the stored network is invalid ({exc})") from exc
        data = _json_attr(f, "data", source)
        settings = _json_attr(f, "settings", source)
        weights = _read_weights(f, "weights", spec, source)
        initial = _read_weights(f, "initial_weights", spec, source)
        history: dict[str, np.ndarray] = {}
        if "history" in f:
            for name, dataset in f["history"].items():
                values = np.asarray(dataset[()], dtype=np.float64)
                if values.ndim != 1:
                    raise ProjectError(f"{source}: history '{name}' must be a vector")
                history[name] = values
    return Project(spec, weights, initial, history, data, settings)


def _text_attr(f: h5py.File, name: str, source: Path) -> str:
    if name not in f.attrs:
        raise ProjectError(f"{source}: the project has no '{name}' entry; the file is damaged")
    value = f.attrs[name]
    return value.decode() if isinstance(value, bytes) else str(value)


def _json_attr(f: h5py.File, name: str, source: Path) -> dict[str, Any]:
    try:
        value = json.loads(_text_attr(f, name, source))
    except json.JSONDecodeError as exc:
        raise ProjectError(f"{source}: the '{name}' entry is not valid JSON ({exc})") from exc
    if not isinstance(value, dict):
        raise ProjectError(f"{source}: the '{name}' entry must be a JSON object")
    return value


def _read_weights(
    f: h5py.File, name: str, spec: NetworkSpec, source: Path
) -> tuple[np.ndarray, ...] | None:
    if name not in f:
        return None
    group = f[name]
    arrays = tuple(np.asarray(group[key][()]) for key in sorted(group))
    _check_weights(name, arrays, spec, source)
    return arrays


def _check_weights(
    name: str, weights: Sequence[np.ndarray], spec: NetworkSpec, where: Path
) -> None:
    expected = expected_weight_shapes(spec)
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

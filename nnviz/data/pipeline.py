"""One pipeline from data settings to network inputs, shared by the app and ``nnviz train``:

``DataConfig`` (what to load, how to split and normalize; JSON round trip) ->
``prepare(config)`` -> ``PreparedData`` (float64 arrays ready for the engine, plus what the
views need: raw splits, feature names, image shape, boundary plane, fitted normalizer).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from nnviz.data.dataset import Dataset, DatasetError
from nnviz.data.features import (
    DEFAULT_FEATURES,
    add_features,
    canonical_features,
    feature_labels,
)
from nnviz.data.points import POINT_SETS, make_points, point_bounds
from nnviz.data.transforms import (
    NORMALIZATIONS,
    Normalizer,
    Splits,
    check_fractions,
    flatten_images,
    split,
)

KINDS = ("points", "cat", "file")
#: ``normalization="auto"``: divide_255 for images, standardize for files of numbers,
#: none for the 2D point sets (whose raw plane the boundary view shows).
AUTO = "auto"
MAX_IMAGE_SIDE = 1024


class DataConfigError(DatasetError):
    """A :class:`DataConfig` field holds an impossible value; ``field`` names it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


@dataclass(frozen=True)
class DataConfig:
    """What data to train on and how to prepare it.

    ``kind="points"`` generates the 2D set ``name`` from ``n_samples``, ``noise``, ``seed``,
    ``n_classes`` and maps it to ``features``; ``kind="cat"`` loads the cat vs non-cat files
    from the folder ``path`` (or the searched data folders when ``path`` is None);
    ``kind="file"`` loads ``path`` (HDF5, CSV or an image folder; ``x_key``/``y_key`` name
    the HDF5 arrays, ``label_column`` the CSV label column, ``size`` (height, width) the
    image size). ``validation``/``test`` are fractions; ``seed`` also seeds the split.
    """

    kind: str = "points"
    name: str = "circle"
    n_samples: int = 200
    noise: float = 0.1
    seed: int = 0
    n_classes: int = 2
    features: tuple[str, ...] = DEFAULT_FEATURES
    path: str | None = None
    validation: float = 0.2
    test: float = 0.2
    normalization: str = AUTO
    size: tuple[int, int] = (64, 64)
    x_key: str | None = None
    y_key: str | None = None
    label_column: str | None = None

    def validate(self) -> DataConfig:
        """Raise :class:`DataConfigError` naming the first bad field; return self."""
        if self.kind not in KINDS:
            raise DataConfigError("kind", f"must be one of {KINDS}, got {self.kind!r}")
        if self.kind == "points":
            if self.name not in POINT_SETS:
                raise DataConfigError(
                    "name",
                    f"unknown point set {self.name!r}; choose one of: "
                    f"{', '.join(POINT_SETS.names())}",
                )
            point_set = POINT_SETS.get(self.name)
            _check_int("n_classes", self.n_classes, 2, point_set.max_classes)
            _check_int("n_samples", self.n_samples, 2 * self.n_classes, 100_000)
            if not _is_number(self.noise) or not 0 <= self.noise <= 2:
                raise DataConfigError("noise", f"must be a number from 0 to 2, got {self.noise!r}")
            try:
                canonical_features(self.features)
            except DatasetError as exc:
                raise DataConfigError("features", str(exc).removeprefix("features: ")) from None
        if self.kind == "file" and not self.path:
            raise DataConfigError("path", "name the HDF5 file, CSV file or image folder to load")
        if self.path is not None and not isinstance(self.path, str):
            raise DataConfigError("path", f"must be a string, got {self.path!r}")
        _check_int("seed", self.seed, 0, 2**32 - 1)
        for name in ("validation", "test"):
            value = getattr(self, name)
            if not _is_number(value) or not 0 <= value < 1:
                raise DataConfigError(name, f"must be a fraction in [0, 1), got {value!r}")
        try:
            check_fractions(self.validation, 0.0 if self.kind == "cat" else self.test)
        except DatasetError as exc:
            raise DataConfigError("validation", str(exc)) from None
        if self.normalization != AUTO and self.normalization not in NORMALIZATIONS:
            raise DataConfigError(
                "normalization",
                f"unknown choice {self.normalization!r}; choose one of: "
                f"{', '.join([AUTO, *NORMALIZATIONS.names()])}",
            )
        if not isinstance(self.size, tuple | list) or len(self.size) != 2:
            raise DataConfigError("size", f"must be (height, width), got {self.size!r}")
        for side in self.size:
            _check_int("size", side, 1, MAX_IMAGE_SIDE)
        for name in ("x_key", "y_key", "label_column"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise DataConfigError(name, f"must be a string or None, got {value!r}")
        return self

    # -- serialization ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["features"] = list(self.features)
        data["size"] = list(self.size)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DataConfig:
        """Build and validate a config; unknown keys raise :class:`DataConfigError`."""
        if not isinstance(data, Mapping):
            raise DataConfigError("data", f"expected a mapping, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise DataConfigError("data", f"unknown field(s) {unknown}; known: {sorted(known)}")
        kwargs = dict(data)
        for name in ("features", "size"):
            if isinstance(kwargs.get(name), list):
                kwargs[name] = tuple(kwargs[name])
        return cls(**kwargs).validate()

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> DataConfig:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataConfigError("data", f"not valid JSON ({exc})") from None
        return cls.from_dict(data)


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def _check_int(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DataConfigError(name, f"must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise DataConfigError(name, f"must be from {low} to {high}, got {value}")


@dataclass(frozen=True, eq=False)
class PreparedData:
    """Network-ready data. ``x_*`` are float64 (m, input_dim), flattened and normalized;
    ``y_*`` int64 (m,); validation and test arrays are None when that split is empty.
    ``raw`` holds the splits before features/flattening/normalization (image previews,
    the scatter plot); ``bounds`` is the plane (x1 min, x1 max, x2 min, x2 max) in raw
    coordinates for 2D sets, else None. ``encode`` maps raw samples the same way."""

    config: DataConfig
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray | None
    y_val: np.ndarray | None
    x_test: np.ndarray | None
    y_test: np.ndarray | None
    feature_names: tuple[str, ...]
    image_shape: tuple[int, int, int] | None
    class_names: tuple[str, ...]
    normalizer: Normalizer
    bounds: tuple[float, float, float, float] | None
    raw: Splits

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def input_dim(self) -> int:
        return int(self.x_train.shape[1])

    def encode(self, x_raw: np.ndarray) -> np.ndarray:
        """Raw samples -> network inputs: engineered features for 2D points (e.g. the
        app's boundary grid, (m, 2)), flattening for images, then the fitted normalizer."""
        if self.config.kind == "points":
            x = add_features(x_raw, self.config.features)
        else:
            x = flatten_images(x_raw)
        return self.normalizer.transform(x)


def load(config: DataConfig) -> tuple[Dataset, Dataset | None]:
    """The dataset ``config`` names, and its shipped test set (cat vs non-cat) or None."""
    from nnviz.data import loaders

    config.validate()
    if config.kind == "points":
        data = make_points(
            config.name, config.n_samples, float(config.noise), config.seed, config.n_classes
        )
        return data, None
    if config.kind == "cat":
        return loaders.load_catvnoncat(config.path)
    assert config.path is not None  # validate() guarantees it
    return (
        loaders.load_path(
            config.path,
            x_key=config.x_key,
            y_key=config.y_key,
            label_column=config.label_column,
            size=tuple(config.size),
        ),
        None,
    )


def prepare(config: DataConfig) -> PreparedData:
    """Load, split (stratified, seeded), map features / flatten, and normalize with
    parameters fitted on the training split only."""
    data, shipped_test = load(config)
    raw = split(data, config.validation, config.test, config.seed, test_set=shipped_test)
    if config.kind == "points":
        names = feature_labels(config.features)
    elif data.image_shape is not None:
        names = ()
    else:
        names = data.feature_names
    method = config.normalization
    if method == AUTO:
        method = (
            "divide_255"
            if data.image_shape is not None and data.x.dtype == np.uint8
            else "none"
            if config.kind == "points"
            else "standardize"
        )

    def features(part: Dataset) -> np.ndarray:
        if config.kind == "points":
            return add_features(part.x, config.features)
        return flatten_images(part.x).astype(np.float64)

    x_train = features(raw.train)
    normalizer = Normalizer.fit(method, x_train)

    def arrays(part: Dataset | None) -> tuple[np.ndarray | None, np.ndarray | None]:
        if part is None:
            return None, None
        return normalizer.transform(features(part)), part.y

    x_val, y_val = arrays(raw.validation)
    x_test, y_test = arrays(raw.test)
    return PreparedData(
        config=config,
        x_train=normalizer.transform(x_train),
        y_train=raw.train.y,
        x_val=x_val,
        y_val=y_val,
        x_test=x_test,
        y_test=y_test,
        feature_names=names,
        image_shape=data.image_shape,
        class_names=data.class_names,
        normalizer=normalizer,
        bounds=point_bounds(data.x) if config.kind == "points" else None,
        raw=raw,
    )

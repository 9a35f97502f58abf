"""The explicit steps between a dataset and a network's input: flattening images,
splitting train/validation/test, normalizing, and the statistics the app shows."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from nnviz.data.dataset import Dataset, DatasetError
from nnviz.engine.registry import Registry


# -- flattening -------------------------------------------------------------------------
def flatten_images(x: np.ndarray) -> np.ndarray:
    """(m, h, w, c) -> (m, h*w*c), row-major (C order), the layout ``unflatten`` inverts.
    2D input is returned unchanged."""
    x = np.asarray(x)
    if x.ndim == 2:
        return x
    if x.ndim != 4:
        raise DatasetError(f"flatten_images expects (m, h, w, c) images, got shape {x.shape}")
    return x.reshape(x.shape[0], -1)


def unflatten(x: np.ndarray, image_shape: tuple[int, int, int]) -> np.ndarray:
    """(m, h*w*c) -> (m, h, w, c), or (h*w*c,) -> (h, w, c): for showing samples and the
    first layer's weight columns as images."""
    x = np.asarray(x)
    size = int(np.prod(image_shape))
    if x.shape[-1] != size:
        raise DatasetError(f"cannot show {x.shape[-1]} values as {image_shape} images")
    return x.reshape(*x.shape[:-1], *image_shape)


# -- splitting --------------------------------------------------------------------------
class Splits(NamedTuple):
    """Train, validation and test sets; ``None`` where a fraction is 0."""

    train: Dataset
    validation: Dataset | None
    test: Dataset | None


def check_fractions(validation: float, test: float) -> None:
    for name, value in (("validation", validation), ("test", test)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
            raise DatasetError(f"{name}: the fraction must be in [0, 1), got {value!r}")
    if validation + test >= 1:
        raise DatasetError(
            f"validation + test must leave samples to train on, got {validation} + {test}"
        )


def split(
    dataset: Dataset,
    validation: float = 0.2,
    test: float = 0.2,
    seed: int = 0,
    test_set: Dataset | None = None,
) -> Splits:
    """Split ``dataset`` into stratified, seeded train/validation/test sets.

    Data that ships already split passes its test set as ``test_set``: it is kept as it
    is (``test`` is ignored) and validation is carved from ``dataset``. Each class keeps
    its share in every split (to within one sample in validation and test).
    """
    check_fractions(validation, 0.0 if test_set is not None else test)
    if test_set is not None:
        test = 0.0
    m = dataset.n_samples
    n_test = _count(m, test)
    n_val = _count(m, validation)
    if m - n_test - n_val < 1:
        raise DatasetError(
            f"{dataset.name}: {m} samples are too few for validation={validation}, test={test}"
        )
    rng = np.random.Generator(np.random.PCG64(seed))
    members = [rng.permutation(np.flatnonzero(dataset.y == c)) for c in range(dataset.n_classes)]
    sizes = np.array([len(idx) for idx in members])
    n_test_c = _allocate(sizes, n_test, sizes, rng)
    n_val_c = _allocate(sizes, n_val, sizes - n_test_c, rng)
    test_parts, val_parts, train_parts = [], [], []
    for idx, t, v in zip(members, n_test_c, n_val_c, strict=True):
        test_parts.append(idx[:t])
        val_parts.append(idx[t : t + v])
        train_parts.append(idx[t + v :])
    test_idx, val_idx, train_idx = (
        np.sort(np.concatenate(parts)) for parts in (test_parts, val_parts, train_parts)
    )
    return Splits(
        train=dataset.subset(train_idx, f"{dataset.name} (train)"),
        validation=dataset.subset(val_idx, f"{dataset.name} (validation)") if n_val else None,
        test=test_set
        if test_set is not None
        else (dataset.subset(test_idx, f"{dataset.name} (test)") if n_test else None),
    )


def _allocate(
    sizes: np.ndarray, total: int, capacity: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Split ``total`` samples among classes in proportion to ``sizes`` (largest remainder,
    random ties), taking no more than ``capacity`` from any class."""
    quota = sizes * total / max(int(sizes.sum()), 1)
    counts = np.minimum(np.floor(quota).astype(np.int64), capacity)
    # Classes with the largest remainders (random among equals) get the samples left over.
    order = np.lexsort((rng.random(len(sizes)), -(quota - counts)))
    while counts.sum() < total:
        for c in order:
            if counts.sum() < total and counts[c] < capacity[c]:
                counts[c] += 1
    return counts


def _count(m: int, fraction: float) -> int:
    """Samples for ``fraction`` of ``m``: rounded, but at least one when asked for any."""
    return 0 if fraction == 0 else max(1, round(m * fraction))


# -- normalization ----------------------------------------------------------------------
@dataclass(frozen=True)
class Normalization:
    """``fit(x_train) -> params`` and ``apply(x, params) -> x'``; params are arrays."""

    name: str
    title: str
    fit: Callable[[np.ndarray], dict[str, np.ndarray]]
    apply: Callable[[np.ndarray, Mapping[str, np.ndarray]], np.ndarray]


def _safe(scale: np.ndarray) -> np.ndarray:
    """Constant features (zero spread) are left unscaled instead of divided by zero."""
    return np.where(scale > 0, scale, 1.0)


NORMALIZATIONS: Registry[Normalization] = Registry("normalization")
for _norm in (
    Normalization("none", "none", lambda x: {}, lambda x, p: x),
    Normalization("divide_255", "divide by 255", lambda x: {}, lambda x, p: x / 255.0),
    Normalization(
        "standardize",
        "standardize (zero mean, unit variance)",
        lambda x: {"mean": x.mean(axis=0), "std": _safe(x.std(axis=0))},
        lambda x, p: (x - p["mean"]) / p["std"],
    ),
    Normalization(
        "minmax_01",
        "min-max to [0, 1]",
        lambda x: {"min": x.min(axis=0), "range": _safe(np.ptp(x, axis=0))},
        lambda x, p: (x - p["min"]) / p["range"],
    ),
    Normalization(
        "minmax_11",
        "min-max to [-1, 1]",
        lambda x: {"min": x.min(axis=0), "range": _safe(np.ptp(x, axis=0))},
        lambda x, p: 2.0 * (x - p["min"]) / p["range"] - 1.0,
    ),
):
    NORMALIZATIONS.add(_norm.name, _norm)


@dataclass(frozen=True, eq=False)
class Normalizer:
    """A normalization with its parameters fitted on a training split (per feature)."""

    method: str
    params: Mapping[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def fit(cls, method: str, x_train: np.ndarray) -> Normalizer:
        """Fit ``method`` on the training samples (m, n) only."""
        norm = _lookup(method)
        x = np.asarray(x_train, dtype=np.float64)
        if x.ndim != 2 or x.shape[0] == 0:
            raise DatasetError(f"normalization is fitted on (m, n) samples, got {x.shape}")
        return cls(norm.name, norm.fit(x))

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Normalized float64 copy of ``x`` (m, n) with the fitted parameters."""
        return np.asarray(_lookup(self.method).apply(np.asarray(x, dtype=np.float64), self.params))

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "params": {k: v.tolist() for k, v in self.params.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Normalizer:
        try:
            method = _lookup(data["method"]).name
            params = {k: np.asarray(v, dtype=np.float64) for k, v in data["params"].items()}
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            if isinstance(exc, DatasetError):
                raise
            raise DatasetError(
                f"normalizer: expected {{'method': name, 'params': {{name: list}}}}, "
                f"got {data!r:.200}"
            ) from None
        return cls(method, params)


def _lookup(method: str) -> Normalization:
    try:
        return NORMALIZATIONS.get(method)
    except ValueError as exc:
        raise DatasetError(f"normalization: {exc}") from None


# -- statistics -------------------------------------------------------------------------
def class_balance(y: np.ndarray, n_classes: int) -> np.ndarray:
    """Samples per class, int64 (n_classes,)."""
    return np.bincount(np.asarray(y, dtype=np.int64), minlength=n_classes)[:n_classes]


@dataclass(frozen=True, eq=False)
class SplitStats:
    """What the app shows for one split: its size, samples per class and per-feature
    mean and standard deviation (of the raw, flattened features)."""

    n_samples: int
    class_counts: np.ndarray
    mean: np.ndarray
    std: np.ndarray


def describe(splits: Splits) -> dict[str, SplitStats]:
    """Statistics of each present split, keyed "train", "validation", "test"."""
    stats = {}
    for name, part in splits._asdict().items():
        if part is None:
            continue
        x = flatten_images(part.x).astype(np.float64)
        stats[name] = SplitStats(
            part.n_samples, class_balance(part.y, part.n_classes), x.mean(axis=0), x.std(axis=0)
        )
    return stats

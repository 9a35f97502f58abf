"""Datasets: 2D generators, image loaders, splits and normalization. No Qt.

Everything the app and ``nnviz train`` use is importable from here; ``prepare`` is the one
pipeline from a :class:`DataConfig` to network-ready arrays.
"""

from nnviz.data.dataset import Dataset, DatasetError
from nnviz.data.features import (
    DEFAULT_FEATURES,
    FEATURES,
    Feature,
    add_features,
    canonical_features,
    feature_labels,
)
from nnviz.data.loaders import (
    CAT_FILES,
    cat_search_dirs,
    find_cat_dir,
    load_catvnoncat,
    load_csv,
    load_hdf5,
    load_image_folder,
    load_path,
    user_data_dir,
)
from nnviz.data.pipeline import (
    AUTO,
    KINDS,
    DataConfig,
    DataConfigError,
    PreparedData,
    load,
    prepare,
)
from nnviz.data.points import POINT_BOUNDS, POINT_SETS, PointSet, make_points, point_bounds
from nnviz.data.transforms import (
    NORMALIZATIONS,
    Normalization,
    Normalizer,
    Splits,
    SplitStats,
    class_balance,
    describe,
    flatten_images,
    split,
    unflatten,
)

__all__ = [
    "AUTO",
    "CAT_FILES",
    "DEFAULT_FEATURES",
    "FEATURES",
    "KINDS",
    "NORMALIZATIONS",
    "POINT_BOUNDS",
    "POINT_SETS",
    "DataConfig",
    "DataConfigError",
    "Dataset",
    "DatasetError",
    "Feature",
    "Normalization",
    "Normalizer",
    "PointSet",
    "PreparedData",
    "SplitStats",
    "Splits",
    "add_features",
    "canonical_features",
    "cat_search_dirs",
    "class_balance",
    "describe",
    "feature_labels",
    "find_cat_dir",
    "flatten_images",
    "load",
    "load_catvnoncat",
    "load_csv",
    "load_hdf5",
    "load_image_folder",
    "load_path",
    "make_points",
    "point_bounds",
    "prepare",
    "split",
    "unflatten",
    "user_data_dir",
]

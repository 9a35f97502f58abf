"""``nnviz datasets``: what can be trained on, and where the cat files were found."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from nnviz.data.dataset import DatasetError
from nnviz.data.features import FEATURES
from nnviz.data.loaders import (
    CAT_FILES,
    CAT_SUBDIR,
    CSV_SUFFIXES,
    HDF5_SUFFIXES,
    cat_search_dirs,
    find_cat_dir,
    load_catvnoncat,
)
from nnviz.data.points import POINT_SETS
from nnviz.data.transforms import NORMALIZATIONS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", metavar="FOLDER", help="look for the cat vs non-cat files only here"
    )
    parser.add_argument("--json", action="store_true", help="print the catalog as JSON")


def catalog(data_dir: str | None = None) -> dict[str, Any]:
    """Everything ``nnviz datasets`` reports, as a JSON-able dict."""
    cat: dict[str, Any] = {
        "files": list(CAT_FILES.values()),
        "searched": [str(p) for p in cat_search_dirs(data_dir)],
    }
    folder = find_cat_dir(data_dir)
    cat["found"] = str(folder) if folder else None
    if folder is not None:
        try:
            train, test = load_catvnoncat(folder)
        except DatasetError as exc:
            cat["error"] = str(exc)
        else:
            cat.update(train=train.n_samples, test=test.n_samples, image_shape=train.image_shape)
    return {
        "points": {
            name: {
                "title": entry.title,
                "description": entry.description,
                "classes": [2, entry.max_classes],
            }
            for name, entry in ((n, POINT_SETS.get(n)) for n in POINT_SETS)
        },
        "cat": cat,
        "files": {"hdf5": list(HDF5_SUFFIXES), "csv": list(CSV_SUFFIXES), "images": "folder"},
        "features": [FEATURES.get(n).label for n in FEATURES],
        "normalizations": NORMALIZATIONS.names(),
    }


def _text(info: dict[str, Any]) -> str:
    lines = ["2D point sets (generated, no files needed): nnviz train --dataset NAME"]
    for name, entry in info["points"].items():
        low, high = entry["classes"]
        classes = f"{low}-{high} classes (--n-classes)" if high > low else "2 classes"
        lines.append(f"  {name:<9} {entry['description']}; {classes}")
    lines.append(f"  features (--features): {', '.join(info['features'])}")
    cat = info["cat"]
    lines.append("")
    lines.append("Cat vs non-cat photos (64x64 RGB): nnviz train --dataset cat")
    if cat["found"] and "error" not in cat:
        h, w, c = cat["image_shape"]
        lines.append(
            f"  found in {cat['found']}: {cat['train']} train and {cat['test']} test images, "
            f"{h}x{w}x{c}"
        )
    elif cat["found"]:
        lines.append(f"  found in {cat['found']} but unreadable: {cat['error']}")
    else:
        lines.append(f"  not found: put {' and '.join(cat['files'])} in one of:")
        lines += [f"    {folder}" for folder in cat["searched"][::2]]
        lines.append(
            f"  (or a '{CAT_SUBDIR}' sub-folder of one; set NNVIZ_DATA_DIR or pass --data-dir)"
        )
    lines.append("")
    lines.append("Your own data: nnviz train --data PATH")
    lines.append(
        f"  an HDF5 file ({', '.join(info['files']['hdf5'])}) with X and y (or *_x / *_y),"
    )
    lines.append(
        f"  a CSV file ({', '.join(info['files']['csv'])}) of numbers, labels in the last column,"
    )
    lines.append("  or a folder with one sub-folder of PNG/JPEG images per class")
    lines.append(f"  normalizations (--normalize): {', '.join(info['normalizations'])}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    info = catalog(args.data_dir)
    sys.stdout.write((json.dumps(info, indent=2) if args.json else _text(info)) + "\n")
    return 0

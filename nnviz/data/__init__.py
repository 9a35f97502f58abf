"""Datasets: 2D generators, image loaders, splits and normalization. No Qt."""

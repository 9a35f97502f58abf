"""Project files and exports (HDF5, code, CSV, images). No Qt."""

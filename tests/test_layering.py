"""The engine, data and io layers must stay free of Qt (DESIGN.md)."""

import subprocess
import sys
import textwrap

QT_MODULES = ("PySide6", "shiboken6", "pyqtgraph")


def test_engine_data_io_import_no_qt():
    code = textwrap.dedent(
        f"""
        import pkgutil, importlib, sys
        import nnviz.engine, nnviz.data, nnviz.io
        for package in (nnviz.engine, nnviz.data, nnviz.io):
            for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
                importlib.import_module(info.name)
        leaked = sorted(m for m in sys.modules if m.split(".")[0] in {QT_MODULES!r})
        print(",".join(leaked))
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"Qt imported by a Qt-free layer: {result.stdout}"

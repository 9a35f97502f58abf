"""Live pyqtgraph views."""

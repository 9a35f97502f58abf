"""The Qt-free workspace between the engine and the widgets.

The training session and its snapshots, the diagram's edits and geometry, and the presets
the app and the command line share. ``nnviz.app`` draws this layer and sends it commands;
nothing here imports Qt.
"""

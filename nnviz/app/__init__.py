"""The graphical application (Qt). Nothing outside nnviz.app imports it."""

"""The NumPy training engine. No Qt."""

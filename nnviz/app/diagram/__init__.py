"""The network-diagram editor."""

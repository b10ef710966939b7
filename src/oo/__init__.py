"""oO: a local-first personal tip recommender. One tip, at the moment it helps most."""

__version__ = "0.1.0"

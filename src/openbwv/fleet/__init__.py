"""Cameras, docks, officers, assignments and the roll-out."""

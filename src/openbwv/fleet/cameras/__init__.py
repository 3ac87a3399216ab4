"""Cameras, docks, assignments (who holds which camera) and the officers they are issued to."""

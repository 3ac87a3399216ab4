"""Firmware: versions per camera model and staged update plans."""

"""Recordings: the clips of one recording (one camera recording, split into several files), each
its own evidence item, grouped on the pages by their shared `recording_key`."""

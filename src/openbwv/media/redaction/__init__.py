"""Redaction's technology: detectors (faces, plates), tracking across frames, and the renderer
that obscures boxes and audio ranges in a new H.264/AAC MP4. No domain is imported here; the
redaction domain (`openbwv.redaction`) decides what is obscured and why."""

"""Retention and disposal under UK rules: how long each item is kept and why, holds that stop
disposal, the deletion queue, MoPI reviews, and disposal that leaves a tombstone and a
certificate (docs/retention.md)."""

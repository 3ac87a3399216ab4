"""Verifying the whole log: the read-only checks behind `bwv audit verify`."""

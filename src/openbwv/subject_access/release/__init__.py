"""Releasing a subject access request's footage: its evidence package, recorded."""

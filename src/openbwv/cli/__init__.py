"""The `bwv` command line (Typer)."""

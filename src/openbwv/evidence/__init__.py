"""Evidence items: the original, its metadata and its derivatives."""

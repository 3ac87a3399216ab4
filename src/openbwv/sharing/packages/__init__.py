"""Evidence packages: one streamed ZIP64 of a case's footage with its manifest, custody proofs,
provenance, C2PA credentials and two offline verifiers (docs/packages.md)."""

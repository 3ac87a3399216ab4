"""Search criteria from a typed form."""

"""The force simulator: acts as a body worn system for a whole force or a slice of it."""

"""The force's structure: boroughs (reference data), stations and teams; access and fleet use it."""

"""Principals, authentication and the access policy."""

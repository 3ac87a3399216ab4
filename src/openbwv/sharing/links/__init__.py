"""Share links for recipients without an account (docs/sharing.md)."""

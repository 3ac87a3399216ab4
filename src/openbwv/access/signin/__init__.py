"""Sign-in and sessions: passwords and TOTP, OpenID Connect, web sessions and bearer tokens."""

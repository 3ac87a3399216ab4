"""Principals, authentication and the access policy.

The kernel sits here: `principal` (who is acting), `deps` (the dependency that finds out), `http`
(refusals become problem details and audit records), `models`, `errors` and `install`. The rest is
in sub-packages, each in the room plan: `policy` (permissions, roles, the rules), `signin`
(passwords, TOTP, single sign-on, sessions, bearer tokens), `admin` (people, roles, grants,
categories and tokens: API, pages and CLI over one service) and `reports` (break glass)."""

"""Subject access requests: the requester's footage found, held, restricted, released and the
one-month clock (DPA 2018 Part 3, ss.45 and 54) shown throughout (docs/subject_access.md)."""

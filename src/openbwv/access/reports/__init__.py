"""Reports for supervisors and oversight (break glass)."""

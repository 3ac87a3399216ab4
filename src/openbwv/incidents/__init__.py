"""CAD incidents: the force's dispatch records, linked to the recordings made at them, and the
activation compliance measured from them (docs/incidents.md)."""

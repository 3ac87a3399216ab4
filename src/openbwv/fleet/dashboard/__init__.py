"""The fleet and roll-out dashboard pages (/fleet, /fleet/boroughs/{code})."""

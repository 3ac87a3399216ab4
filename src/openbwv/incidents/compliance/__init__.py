"""Activation compliance: per attended incident, recorded at all, late start, early stop and
coverage, by officer, team, borough, incident type and week."""

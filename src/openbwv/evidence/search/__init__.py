"""Searching evidence: the search page, its query (from the access policy's reach), and saved
searches."""

"""The SQL conditions a search's criteria become."""

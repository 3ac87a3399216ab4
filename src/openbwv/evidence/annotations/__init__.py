"""What people (and devices) add to an item: notes, tags, markers and its title."""

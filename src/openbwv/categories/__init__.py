"""Categories: what an item is about (arrest, use of force, domestic abuse, ...). They drive
retention and restriction: a restricted category needs an explicit grant to view."""

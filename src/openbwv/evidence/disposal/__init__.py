"""Evidence at the end of its life: the facts retention reads, and the tombstone it leaves."""

"""The roll-out: phases per borough, training, measured progress and projected completion."""

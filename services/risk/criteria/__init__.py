"""Risk criteria (6.1.1): the scales, the matrix mapping them to levels, and the appetite."""

"""AI objectives (6.2): measurable targets with an owner and a deadline, measured over time."""

"""AI systems: the inventory, lifecycle transitions, model versions, history, as_of reads."""

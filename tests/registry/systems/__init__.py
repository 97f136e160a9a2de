"""Inventory tests: the AI system aggregate, its routes, lifecycle transitions."""

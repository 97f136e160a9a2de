"""Systems in operation: human oversight, monitoring plans, observations and breaches."""

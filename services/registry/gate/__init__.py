"""The deployment gate: the policy, its rules and facts, decisions and deployments."""

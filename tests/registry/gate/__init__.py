"""Deployment gate tests: rules, policy, decisions, and the gate over HTTP."""

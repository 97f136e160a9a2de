"""Suppliers (A.10): third parties, their due diligence and reviews, the systems and risks."""

"""The risk register (6.1.2, 6.1.3): risks, treatments, residual risk, closing, acceptances."""

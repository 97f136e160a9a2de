"""Risk service: criteria, risk register, treatment, acceptance, impact assessments, SoA."""

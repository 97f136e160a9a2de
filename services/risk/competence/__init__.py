"""Competence (7.2, A.4.6): training records, and the gaps of each AI role's holders."""

"""Statement of Applicability (6.1.3): the Annex A catalogue, one justified entry per control."""

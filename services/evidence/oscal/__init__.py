"""OSCAL exports: the Annex A catalog, the SoA as a component definition, audits as
assessment results and nonconformities as a plan of action and milestones."""

"""Organisation-level AI roles (5.3, A.3.2): responsibilities, required competences, holders."""

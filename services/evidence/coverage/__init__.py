"""Coverage of ISO/IEC 42001, the EU AI Act and the NIST AI RMF, computed from the records."""

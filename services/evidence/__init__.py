"""Evidence service: evidence, audits, nonconformities, reviews, audit trail, integrity."""

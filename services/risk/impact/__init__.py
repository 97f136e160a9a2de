"""AI system impact assessments (6.1.4, A.5): draft, submit, approve, review-due."""

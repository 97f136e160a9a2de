"""The AI policy (5.2, A.2): versions, approval by someone else, review, acknowledgements."""

"""AI incidents (A.8.4, 10.2, EU AI Act Art. 73) with their notification deadlines."""

"""The console: a small web app for viewers and auditors, a client of the three APIs."""

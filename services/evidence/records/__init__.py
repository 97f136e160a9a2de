"""Evidence records: JSON or uploaded, stored by hash, superseded never edited, downloadable."""

"""Context and scope (4.1-4.3): interested parties and their requirements, the AIMS scope."""

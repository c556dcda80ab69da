"""The domain model: plain Python, no web framework and no database."""

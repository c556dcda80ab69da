"""The service layer: one function per thing a person or a platform asks of the tool."""

"""What operations see of the running application: JSON log lines with their context, and their redaction."""

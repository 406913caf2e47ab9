"""WTForms classes, one module per blueprint; shared validators in validators.py."""

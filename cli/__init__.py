"""Flask commands and process entry points: demo seed, token key rotation, the embedded development Redis."""

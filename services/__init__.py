"""Domain operations, one package per domain. No request, session or rendering here, and no commit: the
caller (a view, a sync action or a CLI command) owns the transaction."""

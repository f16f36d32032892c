"""Reading sources into `raw_events`: validation, de-duplication, the ledger."""

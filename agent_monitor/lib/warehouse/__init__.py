"""The warehouse: table definitions, connection, and in-place schema upgrades."""

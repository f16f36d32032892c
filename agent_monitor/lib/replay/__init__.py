"""A live replay's plain parts: when each event reaches the landing folder, and what its pages meant."""

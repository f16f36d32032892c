"""Warehouse reads and writes behind the signal, cascade and health assets."""

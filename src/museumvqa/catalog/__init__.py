"""Catalogue ingestion: source records -> normalised Exhibit records (+ rejects with reasons)."""

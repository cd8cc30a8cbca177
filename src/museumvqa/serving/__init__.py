"""Answering a visitor's question about a photographed exhibit."""

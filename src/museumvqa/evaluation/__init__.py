"""Scoring of predictions: answer normalisation, token precision/recall, BLEU, bootstrap intervals."""

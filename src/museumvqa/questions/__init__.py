"""Question generation: exhibits -> question/answer pairs from attribute templates."""

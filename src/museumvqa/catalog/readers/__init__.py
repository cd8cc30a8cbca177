"""Format-neutral readers the adapters share: text with its encoding sniffed, JSON lists and lines, fast JSON."""

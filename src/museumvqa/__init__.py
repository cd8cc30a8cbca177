"""museumvqa: museum catalogues -> VQA datasets -> fine-tuned vision-language models -> scores."""

__version__ = "0.1.0"

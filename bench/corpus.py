#!/usr/bin/env python3
"""A synthetic corpus of N cards, in our format and in markdown-anki-decks' format.

    python bench/corpus.py OUT_DIR [--cards 10000] [--decks 8] [--seed 19]

writes ``OUT_DIR/ours/deck-NN.md`` (Compute Cards format: front matter, ``## card-id``, metadata
lines, question, ``---``, answer, an optional ```` ```compute ```` block) and
``OUT_DIR/peer/deck-NN.md`` (markdown-anki-decks 1.1.1: ``# Deck title``, then ``## question`` on one
line, then the answer as the body up to the next ``##``; no front matter, no compute blocks).

The mix, per card (deterministic for a given seed):
- about 60 % plain cards: inline math, sometimes display math, emphasis, lists, code spans,
  a ``formula:`` and a ``source:`` line on some;
- about 40 % compute cards, from six families (KV cache, decode bandwidth, speculative decoding,
  prefill FLOPs, paged blocks, prefix caching) with varied defaults, ranges, presets and
  placeholders ``{{name}}``/``{{name:unit:sig}}`` in question and answer; ``expect:`` is the
  model's own answer at the defaults, so the corpus builds without errors.

Nothing is trivially identical: every card draws its own words, numbers and parameter defaults.
The peer gets the same question and answer text, with each placeholder written as its value at
the defaults (the peer has no placeholders) and without the compute block.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from addon.core.compute import parse_compute  # noqa: E402
from addon.core.placeholders import format_placeholder, parse_placeholder  # noqa: E402

WORDS = (
    "attention cache token prefill decode batch latency throughput kernel tensor shard replica "
    "gradient optimizer memory bandwidth register warp block thread scheduler queue request "
    "embedding projection residual layer norm softmax logit sampler beam draft target verifier "
    "quantization scale zero-point outlier channel group head query key value rotary position "
    "window chunk page allocator fragment eviction prefix suffix router expert gate capacity "
    "pipeline stage bubble micro-batch checkpoint activation recompute offload pinned host device "
    "interconnect collective all-reduce all-gather reduce-scatter topology ring tree switch"
).split()
TOPICS = (
    "KV cache", "speculative decoding", "paged attention", "tensor parallelism", "pipeline parallelism",
    "mixture of experts", "FlashAttention", "continuous batching", "INT8 quantization", "FP8 training",
    "prefix caching", "rotary embeddings", "grouped-query attention", "activation checkpointing",
    "ZeRO sharding", "sliding-window attention", "Medusa heads", "EAGLE drafting", "LoRA adapters",
    "sequence parallelism",
)
SOURCES = (
    "Kwon et al. 2023, \"PagedAttention\"", "Leviathan et al. 2023, Algorithm 1",
    "vLLM `vllm/worker/cache_engine.py`", "Dao et al. 2022, \"FlashAttention\"",
    "Shazeer 2019, \"Fast Transformer Decoding\"", "Rajbhandari et al. 2020, \"ZeRO\"",
    "NVIDIA H100 datasheet", "Meta, Llama 3.1 model card", "Ainslie et al. 2023, \"GQA\"",
)
MATH_INLINE = (
    r"O(n^2 d)", r"\frac{a}{b}", r"\sum_{i=1}^{n} x_i", r"\sqrt{d_k}", r"\alpha^{K+1}",
    r"\min(n, W)", r"2 L H_{kv} d", r"\lceil n / B \rceil", r"p_\text{target}(x)", r"\log_2 V",
)
MATH_DISPLAY = (
    r"\text{softmax}\left(\frac{QK^\top}{\sqrt{d_k}}\right) V",
    r"S = \frac{1 - \alpha^{K+1}}{(1 - \alpha)(K c + 1)}",
    r"\text{KV} = 2 \, L \, H_{kv} \, d \, n \, b",
    r"\text{FLOPs} \approx 2 N T",
    r"t \ge \frac{W + B \cdot \text{KV}(n)}{\text{BW}}",
)


def words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def sentence(rng: random.Random, n: int = 12) -> str:
    text = words(rng, n)
    return text[0].upper() + text[1:] + "."


def inline_math(rng: random.Random) -> str:
    return f"${rng.choice(MATH_INLINE)}$"


@dataclass
class Card:
    card_id: str
    meta: list[str]  # "tags: ...", "source: ...", "formula: ..."
    front: str
    back: str
    compute: str | None  # the block's source, without fences


# --- plain cards ------------------------------------------------------------------------------


def plain_card(rng: random.Random, n: int) -> Card:
    topic = rng.choice(TOPICS)
    meta = [f"tags: {topic.lower().replace(' ', '-')} t{n % 37}"]
    if rng.random() < 0.5:
        meta.append(f"source: {rng.choice(SOURCES)}, section {rng.randint(1, 9)}.{rng.randint(1, 9)}")
    if rng.random() < 0.3:
        meta.append(f"formula: {rng.choice(MATH_DISPLAY)}")
    front = f"What does {topic} do to the {words(rng, 2)} when the {words(rng, 1)} grows past {inline_math(rng)}?"
    if rng.random() < 0.3:
        front += f" Consider `{rng.choice(WORDS)}_{n}` in {words(rng, 3)}."
    back_parts = [f"{sentence(rng, rng.randint(10, 20))} It scales as {inline_math(rng)}, {words(rng, 6)} **{rng.choice(WORDS)}**."]
    if rng.random() < 0.35:
        back_parts.append(f"$${rng.choice(MATH_DISPLAY)}$$")
    if rng.random() < 0.4:
        back_parts.append("\n".join(f"- {sentence(rng, rng.randint(4, 9))}" for _ in range(rng.randint(2, 4))))
    if rng.random() < 0.3:
        back_parts.append(f"*Note:* {sentence(rng, 8)} (about \\${rng.randint(1, 99)} per hour on {rng.choice(WORDS)} nodes)")
    back_parts.append(sentence(rng, rng.randint(8, 16)))
    return Card(f"c{n:06d}-{rng.choice(WORDS).replace('-', '')}", meta, front, "\n\n".join(back_parts), None)


# --- compute cards ----------------------------------------------------------------------------


def kv_cache(rng: random.Random) -> tuple[str, str, str, str]:
    layers, heads = rng.choice([16, 24, 28, 32, 40, 48, 60, 80, 96, 126]), rng.choice([1, 2, 4, 8, 16])
    head_dim, seq = rng.choice([64, 96, 128, 256]), 128 * rng.randint(4, 256)
    block = f"""param num_layers = {layers} in 1..256 integer
param num_kv_heads = {heads} in 1..128 integer
param head_dim = {head_dim} one of 64, 96, 128, 256
param seq_len = {seq} in 128..1_048_576 step 128
param bytes_per_element = 2 one of 0.5 "FP4", 1 "INT8/FP8", 2 "BF16", 4 "FP32"
preset "Model-{rng.randint(1, 99)}B": num_layers = {rng.choice([32, 80])}, num_kv_heads = 8, head_dim = 128
preset "Small-{rng.randint(1, 9)}B": num_layers = {rng.choice([16, 28])}, num_kv_heads = {rng.choice([2, 4])}, head_dim = 64
per_token = 2 * num_layers * num_kv_heads * head_dim * bytes_per_element
answer = per_token * seq_len
unit: B
show: {rng.choice(["MiB", "GiB", "MB", "GB"])}
digits: 3"""
    front = (f"How much KV cache does one request take with {{{{num_layers}}}} layers, {{{{num_kv_heads}}}} KV heads, "
             f"head_dim = {{{{head_dim}}}} at {{{{seq_len}}}} tokens in {{{{bytes_per_element:label}}}}? {words(rng, 5)}.")
    back = (f"$2 \\times L \\times H_{{kv}} \\times d \\times n \\times b$ = {{{{answer:B}}}} ≈ **{{{{answer}}}}** "
            f"({{{{per_token:KiB}}}} per token). {sentence(rng, rng.randint(6, 14))}")
    return block, front, back, r"2 \, L \, H_{kv} \, d \, n \, b"


def bandwidth(rng: random.Random) -> tuple[str, str, str, str]:
    weights, batch, seq = round(rng.uniform(1, 300), 2), rng.randint(1, 64), rng.randint(256, 32768)
    block = f"""param weights_gb = {weights} in 0.1..2_000
param batch = {batch} in 1..512 integer
param seq_len = {seq} in 1..131_072 integer
param bandwidth_tb_s = 3.35 one of 2.039 "A100 80GB SXM", 3.35 "H100 SXM", 4.8 "H200"
bytes_per_step = weights_gb * 1e9 + batch * seq_len * 131_072
step_time = bytes_per_step / (bandwidth_tb_s * 1e12)
answer = step_time
unit: s
show: ms
digits: 3"""
    front = (f"Decoding reads all {{{{weights_gb}}}} GB of weights and {{{{batch}}}} × {{{{seq_len}}}} tokens of KV per step "
             f"at {{{{bandwidth_tb_s}}}} TB/s ({{{{bandwidth_tb_s:label}}}}). Lower bound on one step? {words(rng, 4)}.")
    back = (f"Bytes per step: {{{{bytes_per_step:GB:4}}}}; divided by the bandwidth: **{{{{answer}}}}**.\n\n"
            f"$$t \\ge \\frac{{W + B \\cdot \\text{{KV}}(n)}}{{\\text{{BW}}}}$$\n\n{sentence(rng, rng.randint(6, 14))}")
    return block, front, back, r"t \ge \frac{W + B \cdot \text{KV}(n)}{\text{BW}}"


def speculative(rng: random.Random) -> tuple[str, str, str, str]:
    alpha, k, c = round(rng.uniform(0.5, 0.95), 2), rng.randint(2, 8), round(rng.uniform(0.02, 0.3), 2)
    block = f"""param acceptance_rate = {alpha} in 0..0.99
param K = {k} in 1..16 integer
param draft_cost = {c} in 0..1
tokens_per_step = (1 - acceptance_rate ** (K + 1)) / (1 - acceptance_rate)
answer = tokens_per_step / (K * draft_cost + 1)
unit: x
digits: 3"""
    front = (f"Speculative decoding with α = {{{{acceptance_rate}}}}, K = {{{{K}}}} drafts and draft cost "
             f"{{{{draft_cost:%}}}}: what speedup? {words(rng, 6)}.")
    back = (f"$E = \\frac{{1 - \\alpha^{{K+1}}}}{{1 - \\alpha}}$ = {{{{tokens_per_step}}}} tokens per step, so "
            f"**{{{{answer}}}}**. {sentence(rng, rng.randint(6, 14))}")
    return block, front, back, r"S = \frac{1 - \alpha^{K+1}}{(1 - \alpha)(K c + 1)}"


def flops(rng: random.Random) -> tuple[str, str, str, str]:
    params, tokens = round(rng.uniform(0.5, 400), 1), rng.randint(1, 2000)
    block = f"""param params_b = {params} in 0.1..2_000
param tokens_m = {tokens} in 1..100_000 integer
preset "Llama-3.1-8B": params_b = 8.03
preset "Llama-3.1-70B": params_b = 70.6
answer = 2 * params_b * 1e9 * tokens_m * 1e6
unit: FLOP
digits: 3"""
    front = f"About how many FLOPs does a forward pass over {{{{tokens_m}}}} M tokens take for a {{{{params_b}}}} B model? {words(rng, 5)}."
    back = f"$\\text{{FLOPs}} \\approx 2 N T$ = **{{{{answer}}}}**. {sentence(rng, rng.randint(6, 14))}"
    return block, front, back, r"\text{FLOPs} \approx 2 N T"


def paged(rng: random.Random) -> tuple[str, str, str, str]:
    batch, seq = rng.randint(1, 64), rng.randint(1, 16000)
    block = f"""param batch = {batch} in 1..512 integer
param seq_len = {seq} in 1..131_072 integer
param block_size = {rng.choice([8, 16, 32])} one of 8, 16, 32
block_bytes = 2 * 32 * 8 * 128 * block_size * 2
blocks_per_request = ceil(seq_len / block_size)
wasted_tokens = blocks_per_request * block_size - seq_len
answer = batch * blocks_per_request * block_bytes
unit: B
show: MiB"""
    front = f"With blocks of {{{{block_size}}}} tokens, how much KV memory do {{{{batch}}}} requests of {{{{seq_len}}}} tokens occupy? {words(rng, 4)}."
    back = (f"One block holds {{{{block_bytes:MiB}}}}; each request needs $\\lceil n / B \\rceil$ = {{{{blocks_per_request}}}} "
            f"blocks, so **{{{{answer}}}}** ({{{{wasted_tokens}}}} slots wasted per request).\n\n"
            f"- {sentence(rng, 7)}\n- {sentence(rng, 7)}")
    return block, front, back, r"\text{memory} = \text{batch} \times \lceil n / B \rceil \times \text{block}"


def prefix(rng: random.Random) -> tuple[str, str, str, str]:
    tokens, frac = rng.randint(100, 60000), round(rng.uniform(0.1, 0.95), 2)
    block = f"""param prompt_tokens = {tokens} in 16..131_072 integer
param shared_fraction = {frac} in 0..1
param block_size = 16 one of 8, 16, 32
cached_tokens = floor(shared_fraction * prompt_tokens / block_size) * block_size
answer = cached_tokens / prompt_tokens
show: %
digits: 3"""
    front = (f"For a {{{{prompt_tokens}}}}-token prompt whose first {{{{shared_fraction:%}}}} is shared, what fraction of "
             f"prefill does prefix caching skip (block size {{{{block_size}}}})? {words(rng, 4)}.")
    back = f"Only full blocks: {{{{cached_tokens}}}} tokens, so **{{{{answer}}}}**. {sentence(rng, rng.randint(6, 14))}"
    return block, front, back, r"\text{saved} = \frac{\lfloor p n / B \rfloor B}{n}"


def expect_text(model, values) -> str:  # type: ignore[no-untyped-def]
    """An ``expect:`` the build accepts: the exact answer, in ASCII (the block is ASCII outside quotes)."""
    for text in (model.exact_text(values).replace("\u00d7", "x"), f"{values['answer']!r}{model.answer.unit.symbol}"):
        if model.check(text, {}).correct:
            return text
    raise AssertionError(f"no expect text for {model.source!r}")


FAMILIES = (kv_cache, bandwidth, speculative, flops, paged, prefix)


def compute_card(rng: random.Random, n: int) -> Card:
    family = rng.choice(FAMILIES)
    block, front, back, formula = family(rng)
    model = parse_compute(block)
    values = model.evaluate()
    block += f"\nexpect: {expect_text(model, values)}"
    meta = [f"tags: compute {family.__name__.replace('_', '-')} t{n % 37}",
            f"source: {rng.choice(SOURCES)}, eq. {rng.randint(1, 30)}"]
    if rng.random() < 0.6:
        meta.append(f"formula: {formula}")
    return Card(f"c{n:06d}-{family.__name__.replace('_', '-')}", meta, front, back, block)


# --- writing ----------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{\{([^{}\n]*)\}\}")


def ours_text(card: Card) -> str:
    parts = [f"## {card.card_id}", *card.meta, "", card.front, "", "---", "", card.back]
    if card.compute is not None:
        parts += ["", "```compute", card.compute, "```"]
    return "\n".join(parts) + "\n"


def peer_text(card: Card) -> str:
    front, back = card.front, card.back
    if card.compute is not None:
        model = parse_compute(card.compute)
        values = model.evaluate()

        def value(m: re.Match[str]) -> str:
            return format_placeholder(parse_placeholder(m.group(1)), model, values)

        front, back = _PLACEHOLDER.sub(value, front), _PLACEHOLDER.sub(value, back)
    question = " ".join(front.split())  # the peer's question is one '##' heading line
    return f"## {question}\n\n{back}\n"


def generate(out: Path, cards: int = 10_000, decks: int = 8, seed: int = 19) -> tuple[Path, Path]:
    """Write the corpus; return (our content folder, the peer's input folder)."""
    rng = random.Random(seed)
    ours, peer = out / "ours", out / "peer"
    ours.mkdir(parents=True, exist_ok=True)
    peer.mkdir(parents=True, exist_ok=True)
    per_deck = -(-cards // decks)
    n = 0
    for d in range(decks):
        count = min(per_deck, cards - n)
        if count <= 0:
            break
        title = f"Bench::Deck {d + 1:02d} · {rng.choice(TOPICS)}"
        our_parts = [f"---\ndeck: {title}\ntags: bench d{d + 1:02d}\n---\n"]
        peer_parts = [f"# {title}\n"]
        for _ in range(count):
            n += 1
            card = compute_card(rng, n) if rng.random() < 0.4 else plain_card(rng, n)
            our_parts.append(ours_text(card))
            peer_parts.append(peer_text(card))
        (ours / f"deck-{d + 1:02d}.md").write_text("\n".join(our_parts), encoding="utf-8")
        (peer / f"deck-{d + 1:02d}.md").write_text("\n".join(peer_parts), encoding="utf-8")
    return ours, peer


def edit_one_card(content: Path, seed: int = 1) -> str:
    """Change the answer text of one card in the middle of the corpus; return its id."""
    files = sorted(content.glob("deck-*.md"))
    path = files[len(files) // 2]
    text = path.read_text(encoding="utf-8")
    headings = [m for m in re.finditer(r"^## (\S+)$", text, re.M)]
    target = headings[len(headings) // 2]
    sep = text.index("\n---\n", target.end())
    text = text[: sep + 5] + f"\nEdited ({seed}): {target.group(1)} now says something new.\n" + text[sep + 5 :]
    path.write_text(text, encoding="utf-8")
    return target.group(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--decks", type=int, default=8)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    ours, peer = generate(args.out, args.cards, args.decks, args.seed)
    print(f"{args.cards} cards: {ours}/ (ours), {peer}/ (markdown-anki-decks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

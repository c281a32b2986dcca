"""Tagging throughput on 5,000 real tweets: a naive loop against our batched path.

    python bench/tagging.py [--data ../shared/data] [--texts 5000] [--batch-size 64] [--model DIR]

Same process, same run, same texts (a fixed sample of the SemEval tweets):
(a) naive: one text at a time through the fp32 model, no inference mode, no sorting;
(b) ours: `Tagger.tag` with length-sorted batches, padding to each batch's longest text,
    `torch.inference_mode`, threads set to the cores and int8 dynamic quantization, read as
    social posts, evidence included (the sentences of texts with a theme, a second pass).
Prints texts/s for both, the ratio, and what quantization changes in the two headline metrics
(SemEval held-out macro recall, themes dev micro-F1).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from sentiment import Tagger
from sentiment.data import load_corpora, load_semeval, stable_key
from sentiment.encoder import clean_text, mean_pool, set_threads
from sentiment.labels import THEMES
from sentiment.metrics import macro_recall, score_themes
from sentiment.train import default_data_dir


def naive_loop(tagger: Tagger, texts: list[str]) -> None:
    """How the model is often first used: tokenize and run each text on its own."""
    encoder = tagger.encoder
    for text in texts:
        inputs = encoder.tokenizer(clean_text(tagger.read_as(text, "social")), truncation=True,
                                   max_length=encoder.max_tokens, return_tensors="pt")
        hidden = encoder.model(**inputs).last_hidden_state
        vector = torch.nn.functional.normalize(mean_pool(hidden, inputs["attention_mask"]), dim=-1)
        tagger.sentiment.probabilities([text], vector.detach())
        tagger.themes.scores(vector.detach())


def headline_metrics(tagger: Tagger, data_dir: Path) -> tuple[float, float]:
    corpora = load_corpora(data_dir)
    held_out = corpora.semeval_eval["2013test"] + corpora.semeval_eval["2016devtest"]
    semeval = tagger.tag([e.text for e in held_out], kinds=[e.kind for e in held_out])
    recall = macro_recall([str(e.sentiment) for e in held_out], [r.sentiment for r in semeval])
    dev = tagger.tag([e.text for e in corpora.themes_dev],
                     kinds=[e.kind for e in corpora.themes_dev])
    themes = score_themes([e.themes or () for e in corpora.themes_dev], [r.themes for r in dev],
                          THEMES, [e.uncertain for e in corpora.themes_dev])
    return recall, themes.micro.f1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=default_data_dir())
    parser.add_argument("--texts", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--model", type=Path, default=None, help="model folder (default: bundled)")
    args = parser.parse_args()

    threads = set_threads()
    tweets = sorted(load_semeval(args.data), key=lambda e: stable_key(e.id))[:args.texts]
    texts = [e.text for e in tweets]
    full = Tagger.from_pretrained(args.model, batch_size=args.batch_size, threads=threads)
    quantized = Tagger.from_pretrained(args.model, batch_size=args.batch_size, threads=threads,
                                       quantize=True)
    print(f"{len(texts)} SemEval tweets, {threads} threads, batch size {args.batch_size}")

    started = time.perf_counter()
    naive_loop(full, texts)
    naive = len(texts) / (time.perf_counter() - started)
    print(f"(a) naive loop, one text at a time, fp32:   {naive:8.1f} texts/s")

    started = time.perf_counter()
    full.tag(texts, kinds=["social"] * len(texts))
    batched_fp32 = len(texts) / (time.perf_counter() - started)
    print(f"    batched, fp32 (for reference):          {batched_fp32:8.1f} texts/s")

    started = time.perf_counter()
    results = quantized.tag(texts, kinds=["social"] * len(texts))
    ours = len(texts) / (time.perf_counter() - started)
    print(f"(b) ours: batched, sorted, int8:            {ours:8.1f} texts/s")
    print(f"ratio (b)/(a): {ours / naive:.1f}x "
          f"({sum(1 for r in results if r.themes)} texts with a theme got evidence)")

    recall_fp32, f1_fp32 = headline_metrics(full, args.data)
    recall_int8, f1_int8 = headline_metrics(quantized, args.data)
    print(f"SemEval macro recall: fp32 {recall_fp32:.4f}, int8 {recall_int8:.4f} "
          f"(change {recall_int8 - recall_fp32:+.4f})")
    print(f"themes dev micro-F1:  fp32 {f1_fp32:.4f}, int8 {f1_int8:.4f} "
          f"(change {f1_int8 - f1_fp32:+.4f})")
    # A cost is a drop; int8 rounding can also nudge a metric up, which costs nothing.
    worst = max(recall_fp32 - recall_int8, f1_fp32 - f1_int8, 0.0)
    verdict = "within" if worst <= 0.01 else "OVER"
    print(f"quantization costs at most {worst:.4f}: {verdict} the 0.01 allowance")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The PyTorch peer for scripts/bench/model: the same GPT-2 shape in
transformers' GPT2LMHeadModel (eager mode, not torch.compile; its default sdpa attention), float32, on the CPU with
the same number of threads. Prints one JSON object.

    model-peer.py train  L D H CTX BATCH STEPS THREADS
    model-peer.py sample L D H CTX BATCH NEW THREADS
"""
import json
import resource
import statistics
import sys
import time

import torch
from transformers import GPT2Config, GPT2LMHeadModel


def make_model(layers, dim, heads, context):
    config = GPT2Config(vocab_size=259, n_positions=context, n_embd=dim, n_layer=layers, n_head=heads,
                        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, activation_function="gelu_new",
                        bos_token_id=256, eos_token_id=256, pad_token_id=257)
    torch.manual_seed(0)
    return GPT2LMHeadModel(config)  # default attention (sdpa): the stronger peer


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def train(layers, dim, heads, context, batch, steps):
    model = make_model(layers, dim, heads, context).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), weight_decay=0.1)
    generator = torch.Generator().manual_seed(1)
    tokens = torch.randint(0, 256, (batch, context), generator=generator)
    targets = torch.randint(0, 256, (batch, context), generator=generator)

    def step():
        optimizer.zero_grad(set_to_none=True)
        logits = model(input_ids=tokens).logits
        loss = torch.nn.functional.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    step()
    times = []
    cpu_start = cpu_seconds()
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    return {"tokens_per_second": batch * context / median, "seconds_per_step": median,
            "cpu_seconds_per_step": (cpu_seconds() - cpu_start) / steps}


def sample(layers, dim, heads, context, batch, new):
    model = make_model(layers, dim, heads, context).eval()
    prompt = torch.tensor([list(b"Invert [[2,1],[1,1]]: ")] * batch)
    torch.manual_seed(3)
    best = float("inf")
    cpu_start = cpu_seconds()
    with torch.inference_mode():
        for _ in range(3):
            start = time.perf_counter()
            out = model.generate(prompt, attention_mask=torch.ones_like(prompt), do_sample=True, temperature=1.0,
                                 top_k=0, max_new_tokens=new, min_new_tokens=new, use_cache=True, pad_token_id=257)
            best = min(best, time.perf_counter() - start)
            assert out.shape[1] == prompt.shape[1] + new
    return {"tokens_per_second": batch * new / best, "seconds": best, "cpu_seconds": (cpu_seconds() - cpu_start) / 3}


def main():
    mode, *numbers = sys.argv[1:]
    layers, dim, heads, context, batch, count, threads = map(int, numbers)
    torch.set_num_threads(threads)
    result = (train if mode == "train" else sample)(layers, dim, heads, context, batch, count)
    result["torch"] = torch.__version__
    print(json.dumps(result))


if __name__ == "__main__":
    main()

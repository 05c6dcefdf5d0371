#!/usr/bin/env python3
"""Checks that a Pivot checkpoint loads in Hugging Face transformers as it is.

    scripts/check/hf_interop.py [--no-build] [--python PATH]

Builds pivot-bench-model (release, --scratch-path .build-model-rel), has it
train a small GPT-2 briefly and save it (model.safetensors, config.json,
tokenizer.json) with the logits and completion log-probabilities the Engine
computes for a few sequences (expected.json). Then loads the directory with
GPT2LMHeadModel.from_pretrained, runs the same sequences, and compares:
the largest difference relative to the largest magnitude must be below
1e-4 for logits and for log-probabilities. Needs torch and transformers: it
re-runs itself under ~/.cache/pivot-bench-venv/bin/python (created with pip
if missing) unless --python is given.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV = os.path.expanduser("~/.cache/pivot-bench-venv")
SCRATCH = os.path.join(ROOT, ".build-model-rel")


def ensure_venv():
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        print(f"creating {VENV} (torch, transformers from PyPI)...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "torch", "transformers", "safetensors", "numpy"], check=True)
    return python


def build():
    subprocess.run(["swift", "build", "-c", "release", "--scratch-path", SCRATCH, "--product", "pivot-bench-model"],
                   cwd=ROOT, check=True)
    return os.path.join(SCRATCH, "release", "pivot-bench-model")


def compare(directory):
    import torch
    from transformers import GPT2LMHeadModel

    model = GPT2LMHeadModel.from_pretrained(directory).eval()
    with open(os.path.join(directory, "expected.json")) as f:
        expected = json.load(f)
    vocab = expected["vocab_size"]
    worst_logits = worst_logprobs = 0.0
    for case in expected["cases"]:
        tokens = torch.tensor([case["tokens"]])
        with torch.no_grad():
            logits = model(tokens).logits[0].double()
        ours = torch.tensor(case["logits"], dtype=torch.float64).view(-1, vocab)
        worst_logits = max(worst_logits, ((logits - ours).abs().max() / ours.abs().max()).item())
        logprobs = torch.log_softmax(logits, dim=-1)
        start = case["prompt_length"]
        targets = tokens[0, start:]
        theirs = logprobs[start - 1:-1].gather(1, targets.view(-1, 1)).view(-1)
        ours_lp = torch.tensor(case["completion_logprobs"], dtype=torch.float64)
        worst_logprobs = max(worst_logprobs, ((theirs - ours_lp).abs().max() / ours_lp.abs().max()).item())
        print(f"sequence of {len(case['tokens'])} tokens: logits max rel diff "
              f"{((logits - ours).abs().max() / ours.abs().max()).item():.2e}, completion log-probs max rel diff "
              f"{((theirs - ours_lp).abs().max() / ours_lp.abs().max()).item():.2e}")
    ok = worst_logits < 1e-4 and worst_logprobs < 1e-4
    print(f"GPT2LMHeadModel vs Pivot: logits {worst_logits:.2e}, log-probabilities {worst_logprobs:.2e} "
          f"(max |diff| / max |value|; limit 1e-4): {'ok' if ok else 'FAILED'}")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--python", help="a python with torch and transformers")
    parser.add_argument("--compare", help=argparse.SUPPRESS)  # internal: run under the venv
    args = parser.parse_args()
    if args.compare:
        sys.exit(0 if compare(args.compare) else 1)
    binary = os.path.join(SCRATCH, "release", "pivot-bench-model") if args.no_build else build()
    python = args.python or ensure_venv()
    with tempfile.TemporaryDirectory(prefix="pivot-hf-") as scratch:
        directory = os.path.join(scratch, "checkpoint")
        subprocess.run([binary, "export", directory], check=True, stdout=subprocess.DEVNULL)
        result = subprocess.run([python, os.path.abspath(__file__), "--compare", directory])
    sys.exit(result.returncode)


if __name__ == "__main__":
    main()

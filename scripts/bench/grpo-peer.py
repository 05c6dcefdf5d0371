#!/usr/bin/env python3
"""The TRL peer for scripts/bench/grpo: TRL's GRPOTrainer on the CPU with a
randomly initialised GPT-2 of Pivot's built-in shape (byte-level vocabulary
of 259 as Pivot's byte tokenizer: bytes, EOS 256, PAD 257, BOS 258 unused),
the same prompts, sampling and reward as the Pivot side. Prints one JSON
object (times per step, completion lengths).

    grpo-peer.py PROMPTS.json LAYERS DIM HEADS CONTEXT PROMPTS GROUP MAX_TOKENS STEPS THREADS

One step is PROMPTS prompts × GROUP completions (per_device_train_batch_size
= PROMPTS·GROUP, steps_per_generation 1, no gradient accumulation),
temperature 1, beta 0, num_iterations 1, loss bnpo, lr 1e-4. Generation is
timed around GRPOTrainer._generate_single_turn, scoring around
_calculate_rewards, the step from a callback's on_step_begin to on_step_end;
the update is the rest of the step (the loss forward, backward, clipping,
AdamW, TRL's bookkeeping).
"""
import json
import logging
import os
import statistics
import sys
import time
import warnings

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
warnings.filterwarnings("ignore")

import torch  # noqa: E402
from datasets import Dataset  # noqa: E402
from tokenizers import Tokenizer, decoders, models, pre_tokenizers  # noqa: E402
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast, TrainerCallback  # noqa: E402
from trl import GRPOConfig, GRPOTrainer  # noqa: E402

EOS, PAD, BOS = 256, 257, 258


def bytes_to_unicode():
    """GPT-2's map from bytes to printable characters (the ByteLevel
    pre-tokenizer's alphabet)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return dict(zip(printable, map(chr, chars)))


def byte_tokenizer():
    """Pivot's ByteTokenizer as a fast tokenizer: byte b is id b (through
    GPT-2's byte-to-unicode map and a BPE with no merges), EOS 256, PAD 257,
    BOS 258 (never added)."""
    byte_to_char = bytes_to_unicode()
    vocab = {byte_to_char[b]: b for b in range(256)}
    vocab["<|eos|>"] = EOS
    vocab["<|pad|>"] = PAD
    vocab["<|bos|>"] = BOS
    core = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    core.decoder = decoders.ByteLevel()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, eos_token="<|eos|>", pad_token="<|pad|>",
                                        additional_special_tokens=["<|bos|>"])
    tokenizer.padding_side = "left"
    return tokenizer


def reward(completions, **kwargs):
    """The bench's cheap reward, as the Pivot side writes it."""
    return [float(c.count("[") + c.count("]") + c.count(",")) for c in completions]


class StepClock(TrainerCallback):
    def __init__(self):
        self.steps = []
        self.start = None

    def on_step_begin(self, args, state, control, **kwargs):
        self.start = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        self.steps.append(time.perf_counter() - self.start)


class TimedGRPOTrainer(GRPOTrainer):
    """GRPOTrainer with generation and scoring timed (seconds per call) and
    completion lengths recorded."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.generation_times, self.scoring_times, self.lengths = [], [], []

    def _generate_single_turn(self, *args, **kwargs):
        start = time.perf_counter()
        completion_ids, logprobs = super()._generate_single_turn(*args, **kwargs)
        self.generation_times.append(time.perf_counter() - start)
        self.lengths.append(statistics.mean(len(c) for c in completion_ids))
        return completion_ids, logprobs

    def _calculate_rewards(self, *args, **kwargs):
        start = time.perf_counter()
        result = super()._calculate_rewards(*args, **kwargs)
        self.scoring_times.append(time.perf_counter() - start)
        return result


def main():
    path, *numbers = sys.argv[1:]
    layers, dim, heads, context, prompts, group, max_tokens, steps, threads = map(int, numbers)
    torch.set_num_threads(threads)
    logging.disable(logging.WARNING)
    with open(path) as f:
        texts = json.load(f)
    tokenizer = byte_tokenizer()
    assert tokenizer("inv [[1,2]]")["input_ids"] == list(b"inv [[1,2]]"), "the byte tokenizer must map byte b to id b"
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=BOS + 1, n_positions=context, n_embd=dim, n_layer=layers, n_head=heads,
                        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, activation_function="gelu_new",
                        bos_token_id=EOS, eos_token_id=EOS, pad_token_id=PAD)
    model = GPT2LMHeadModel(config)
    args = GRPOConfig(
        output_dir="/tmp/pivot-bench-grpo-trl", report_to="none", use_cpu=True, bf16=False, fp16=False,
        per_device_train_batch_size=prompts * group, num_generations=group, gradient_accumulation_steps=1,
        steps_per_generation=1, max_completion_length=max_tokens, temperature=1.0, top_k=0, top_p=1.0,
        beta=0.0, num_iterations=1, epsilon=0.2, loss_type="bnpo", scale_rewards="group",
        learning_rate=1e-4, lr_scheduler_type="constant", weight_decay=0.0, max_grad_norm=1.0,
        max_steps=steps, logging_steps=1, save_strategy="no", seed=0, disable_tqdm=True,
        dataloader_num_workers=0, log_completions=False, shuffle_dataset=False)
    dataset = Dataset.from_list([{"prompt": t} for t in texts])
    clock = StepClock()
    trainer = TimedGRPOTrainer(model=model, reward_funcs=reward, args=args, train_dataset=dataset,
                               processing_class=tokenizer, callbacks=[clock])
    trainer.train()
    n = len(clock.steps)
    if n != steps or len(trainer.generation_times) != n:
        sys.exit(f"expected {steps} steps with one generation each, got {n} steps, {len(trainer.generation_times)} generations")
    warm = slice(2, None) if n > 3 else slice(0, None)  # the first steps pay for allocation and lazy setup
    updates = [s - g - r for s, g, r in zip(clock.steps, trainer.generation_times, trainer.scoring_times)]
    print(json.dumps({
        "step": statistics.median(clock.steps[warm]), "generation": statistics.median(trainer.generation_times[warm]),
        "scoring": statistics.median(trainer.scoring_times[warm]), "update": statistics.median(updates[warm]),
        "mean_length": statistics.mean(trainer.lengths[warm]), "steps": clock.steps,
        "torch": torch.__version__, "trl": __import__("trl").__version__,
        "transformers": __import__("transformers").__version__,
    }))


if __name__ == "__main__":
    main()

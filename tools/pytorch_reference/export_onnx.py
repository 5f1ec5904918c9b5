"""Writes the PyTorch side of dagrad's ONNX import test.

tests/io/onnx/onnx_import_test.cc loads a LeNet-5 that PyTorch 1.13 exported
(torch.onnx.export, opset 13), predicts a fixed batch, and takes SGD steps
on it, comparing with what PyTorch itself computed. This script makes those
files, in tests/io/onnx/testdata/ (regenerate with the same command; the
output is deterministic for a PyTorch version):

    /usr/bin/python3 tools/pytorch_reference/export_onnx.py

  lenet_pytorch.onnx     the model (models.lenet5(), seeded), batch dim "N"
  lenet_images.npy       8 images [8,1,28,28] in [0,1), seeded
  lenet_labels.npy       their labels [8] (float32 class ids)
  lenet_logits.npy       PyTorch's logits for them [8,10]
  lenet_losses.npy       mean cross-entropy before and after each of two
                         plain SGD steps (lr 0.01) on that batch: [3]

and a seed for the ONNX import fuzzer, small as fuzz seeds should be:

  tests/fuzz/corpus/onnx_import/pytorch_tiny.onnx
                         conv 2x3x3 + ReLU + max pool + Linear + BatchNorm1d
                         + ReLU + Linear (a BatchNorm after a conv would be
                         folded into it by the export)
"""

import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "tests", "io", "onnx", "testdata")


def main():
    torch.manual_seed(0)
    model = models.build_model("lenet5")
    # Non-zero biases, so that the import of every bias is checked.
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.Linear):
                m.bias.uniform_(-0.1, 0.1)
    model.eval()
    gen = torch.Generator().manual_seed(1)
    images = torch.rand(8, 1, 28, 28, generator=gen)
    labels = torch.randint(0, 10, (8,), generator=gen)
    os.makedirs(OUT, exist_ok=True)
    torch.onnx.export(model, images, os.path.join(OUT, "lenet_pytorch.onnx"),
                      opset_version=13, input_names=["x"],
                      output_names=["logits"],
                      dynamic_axes={"x": {0: "N"}, "logits": {0: "N"}},
                      do_constant_folding=True)
    with torch.no_grad():
        logits = model(images)
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    losses = []
    for _ in range(2):
        opt.zero_grad()
        loss = loss_fn(model(images), labels)
        losses.append(loss.item())
        loss.backward()
        opt.step()
    with torch.no_grad():
        losses.append(loss_fn(model(images), labels).item())
    np.save(os.path.join(OUT, "lenet_images.npy"),
            images.numpy().astype(np.float32))
    np.save(os.path.join(OUT, "lenet_labels.npy"),
            labels.numpy().astype(np.float32))
    np.save(os.path.join(OUT, "lenet_logits.npy"),
            logits.numpy().astype(np.float32))
    np.save(os.path.join(OUT, "lenet_losses.npy"),
            np.array(losses, dtype=np.float32))
    print("losses", losses)

    tiny = torch.nn.Sequential(
        torch.nn.Conv2d(1, 2, 3, padding=1), torch.nn.ReLU(),
        torch.nn.MaxPool2d(2), torch.nn.Flatten(),
        torch.nn.Linear(2 * 4 * 4, 6), torch.nn.BatchNorm1d(6),
        torch.nn.ReLU(), torch.nn.Linear(6, 3)).eval()
    corpus = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                          "..", "tests", "fuzz", "corpus", "onnx_import")
    os.makedirs(corpus, exist_ok=True)
    torch.onnx.export(tiny, torch.zeros(1, 1, 8, 8),
                      os.path.join(corpus, "pytorch_tiny.onnx"),
                      opset_version=13, input_names=["x"],
                      dynamic_axes={"x": {0: "N"}},
                      do_constant_folding=True)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""PyTorch twin of examples/two_heads.cc: two inputs, two weighted heads.

    /usr/bin/python3 tools/pytorch_reference/two_heads.py --epochs 3 \
        --threads 2

The inputs are the top and bottom 14 rows of each image; one convolution
tower (conv 16x3x3 pad 1 + ReLU, maxpool 2, conv 32x3x3 pad 1 + ReLU,
maxpool 2, flatten to 672) reads both halves with the same weights; the
two 672-vectors are concatenated, Linear 1344->128 + ReLU feeds the heads
"classes" (10) and "coarse" (4 groups). Loss: CE(classes) + 0.5 *
CE(coarse). Glorot-uniform weights and zero biases (dagrad's defaults);
Adam lr 0.001 (eps 1e-7), batch 64. Prints dagrad's lines:
    epoch E/N train_loss=... train_acc=... valid_loss=... valid_acc=... time_s=...
    test_acc_classes=... test_loss_classes=...
    test_acc_coarse=... test_loss_coarse=...
    test_loss=... test_acc=... params=...
train_acc and valid_acc/test_acc are the "classes" head's; the losses are
the weighted totals.
"""

import argparse
import sys
import time

import torch
from torch import nn

import data
import models
import runtime

COARSE = torch.tensor([0, 1, 0, 1, 0, 2, 0, 2, 3, 2])
WEIGHTS = (1.0, 0.5)


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.tower = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten())
        self.hidden = nn.Sequential(nn.Linear(2 * 672, 128), nn.ReLU())
        self.classes = nn.Linear(128, 10)
        self.coarse = nn.Linear(128, 4)
        models._glorot_zero(self)

    def forward(self, top, bottom):
        h = torch.cat([self.tower(top), self.tower(bottom)], dim=1)
        h = self.hidden(h)
        return self.classes(h), self.coarse(h)


def halves(x):
    return x[:, :, :14, :].contiguous(), x[:, :, 14:, :].contiguous()


def losses(model, loss_fn, x, y):
    top, bottom = halves(x)
    out = model(top, bottom)
    per_head = [loss_fn(out[0], y), loss_fn(out[1], COARSE[y])]
    total = WEIGHTS[0] * per_head[0] + WEIGHTS[1] * per_head[1]
    return out, per_head, total


def evaluate(model, loss_fn, x, y, batch_size):
    model.eval()
    sums, correct, total = [0.0, 0.0], [0, 0], 0.0
    with torch.no_grad():
        for s in range(0, len(y), batch_size):
            xb, yb = x[s:s + batch_size], y[s:s + batch_size]
            out, per_head, t = losses(model, loss_fn, xb, yb)
            total += t.item() * len(yb)
            for j, target in enumerate((yb, COARSE[yb])):
                sums[j] += per_head[j].item() * len(yb)
                correct[j] += (out[j].argmax(1) == target).sum().item()
    n = max(len(y), 1)
    return total / n, [c / n for c in correct], [s / n for s in sums]


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch_size", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.001)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data_dir", default=data.DEFAULT_DATA_DIR)
    args = p.parse_args(argv)
    threads = runtime.set_threads(args.threads)
    splits = data.load_splits(args.data_dir)
    torch.manual_seed(args.seed)
    model = TwoHeads()
    opt = models.make_optimizer("adam", model.parameters(), args.lr)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(args.seed)
    tx, ty = splits["train"]
    vx, vy = splits["valid"]
    eval_batch = max(args.batch_size, 256)
    print(f"two_heads: {len(ty)} train, {len(vy)} valid, "
          f"{len(splits['test'][1])} test examples (pytorch "
          f"{torch.__version__}, {threads})", flush=True)
    for epoch in range(1, args.epochs + 1):
        model.train()
        start = time.perf_counter()
        order = torch.randperm(len(ty), generator=gen)
        loss_sum, correct = 0.0, 0
        for s in range(0, len(ty), args.batch_size):
            idx = order[s:s + args.batch_size]
            opt.zero_grad(set_to_none=True)
            out, _, total = losses(model, loss_fn, tx[idx], ty[idx])
            total.backward()
            opt.step()
            loss_sum += total.item() * len(idx)
            correct += (out[0].detach().argmax(1) == ty[idx]).sum().item()
        seconds = time.perf_counter() - start
        v_loss, v_acc, _ = evaluate(model, loss_fn, vx, vy, eval_batch)
        print(f"epoch {epoch}/{args.epochs} "
              f"train_loss={loss_sum / len(ty):.4f} "
              f"train_acc={correct / len(ty):.4f} valid_loss={v_loss:.4f} "
              f"valid_acc={v_acc[0]:.4f} time_s={seconds:.2f}", flush=True)
    t_loss, t_acc, t_losses = evaluate(model, loss_fn, *splits["test"],
                                       eval_batch)
    for j, name in enumerate(("classes", "coarse")):
        print(f"test_acc_{name}={t_acc[j]:.4f} "
              f"test_loss_{name}={t_losses[j]:.4f}")
    print(f"test_loss={t_loss:.4f} test_acc={t_acc[0]:.4f} "
          f"params={models.parameter_count(model)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

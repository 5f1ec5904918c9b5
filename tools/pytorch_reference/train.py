#!/usr/bin/python3
"""Trains a PyTorch twin of a dagrad example and prints dagrad's output.

    /usr/bin/python3 tools/pytorch_reference/train.py --model lenet5 \
        --epochs 3 --threads 1 --seed 0

Prints, like examples/example_main.cc and report/history.cc:
    lenet5: 50000 train, 10000 valid, 10000 test examples from DIR
    epoch 1/3 train_loss=0.6123 train_acc=0.7712 valid_loss=... valid_acc=... time_s=1.87
    ...
    test_loss=0.4012 test_acc=0.8611 params=61684
train_* are averaged over the epoch's examples as they train (each batch's
mean loss weighted by its size, the running numbers Keras shows); valid_*
and test_* are evaluated after the epoch in eval mode (dropout off) with
batches of max(batch_size, 256); time_s is the epoch's training time only.
Flags left unset take the dagrad example's defaults (models.DEFAULTS).
"""

import argparse
import sys
import time

import torch
from torch import nn

import data
import models
import runtime


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", required=True, choices=sorted(models.MODELS))
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch_size", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--optimizer",
                   choices=["sgd", "momentum", "nesterov", "rmsprop", "adam"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--train_limit", type=int,
                   help="use only the first N training images (before the "
                   "validation split)")
    p.add_argument("--valid_count", type=int, default=-1,
                   help="validation examples (default: one sixth)")
    p.add_argument("--data_dir", default=data.DEFAULT_DATA_DIR)
    p.add_argument("--depth", type=int,
                   help="mlp_depth only: 1..5 (default: sweep all five)")
    p.add_argument("--activation", default="sigmoid",
                   choices=["sigmoid", "tanh", "relu"],
                   help="mlp_depth only")
    args = p.parse_args(argv)
    defaults = models.DEFAULTS[args.model]
    for key in ("epochs", "batch_size", "lr", "optimizer", "train_limit"):
        if getattr(args, key) is None:
            setattr(args, key, defaults.get(key, -1))
    if args.epochs < 0 or args.batch_size < 1 or args.lr <= 0 or \
            args.threads < 1:
        p.error("--epochs must be >= 0, --batch_size/--threads >= 1, --lr > 0")
    return args


def evaluate(model, x, y, batch_size, loss_fn):
    """Returns (mean loss, accuracy) over (x, y) in eval mode."""
    model.eval()
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(y), batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            logits = model(xb)
            loss_sum += loss_fn(logits, yb).item() * len(yb)
            correct += (logits.argmax(1) == yb).sum().item()
    return loss_sum / max(len(y), 1), correct / max(len(y), 1)


def train_epoch(model, opt, loss_fn, x, y, batch_size, gen):
    """One shuffled pass; keeps the last partial batch (as dagrad does)."""
    model.train()
    order = torch.randperm(len(y), generator=gen)
    loss_sum, correct = 0.0, 0
    for start in range(0, len(y), batch_size):
        idx = order[start:start + batch_size]
        xb, yb = x[idx], y[idx]
        opt.zero_grad(set_to_none=True)
        logits = model(xb)
        loss = loss_fn(logits, yb)
        loss.backward()
        opt.step()
        loss_sum += loss.item() * len(yb)
        correct += (logits.detach().argmax(1) == yb).sum().item()
    return loss_sum / max(len(y), 1), correct / max(len(y), 1)


def train_one(args, splits, depth=None):
    torch.manual_seed(args.seed)
    kwargs = {}
    if args.model == "mlp_depth":
        kwargs = dict(depth=depth, activation=args.activation)
    model = models.build_model(args.model, **kwargs)
    opt = models.make_optimizer(args.optimizer, model.parameters(), args.lr)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(args.seed)
    eval_batch = max(args.batch_size, 256)
    tx, ty = splits["train"]
    vx, vy = splits["valid"]
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        train_loss, train_acc = train_epoch(model, opt, loss_fn, tx, ty,
                                            args.batch_size, gen)
        seconds = time.perf_counter() - start
        line = (f"epoch {epoch}/{args.epochs} train_loss={train_loss:.4f} "
                f"train_acc={train_acc:.4f}")
        if len(vy) > 0:
            valid_loss, valid_acc = evaluate(model, vx, vy, eval_batch,
                                             loss_fn)
            line += f" valid_loss={valid_loss:.4f} valid_acc={valid_acc:.4f}"
        line += f" time_s={seconds:.2f}"
        print(line, flush=True)
    test_loss, test_acc = evaluate(model, *splits["test"], eval_batch, loss_fn)
    print(f"test_loss={test_loss:.4f} test_acc={test_acc:.4f} "
          f"params={models.parameter_count(model)}", flush=True)


def main(argv):
    args = parse_args(argv)
    threads = runtime.set_threads(args.threads)
    try:
        splits = data.load_splits(args.data_dir, args.train_limit,
                                  args.valid_count)
    except (OSError, ValueError) as e:
        print(f"{args.model}: {e}", file=sys.stderr)
        return 2
    print(f"{args.model}: {len(splits['train'][1])} train, "
          f"{len(splits['valid'][1])} valid, {len(splits['test'][1])} test "
          f"examples from {args.data_dir} (pytorch {torch.__version__}, "
          f"{threads})", flush=True)
    if args.model == "mlp_depth":
        depths = [args.depth] if args.depth is not None else [1, 2, 3, 4, 5]
        for depth in depths:
            print(f"== mlp_depth depth={depth}", flush=True)
            train_one(args, splits, depth)
    else:
        train_one(args, splits)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

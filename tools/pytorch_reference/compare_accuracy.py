#!/usr/bin/python3
"""Joins a dagrad example's output and train.py's into one accuracy table.

    /usr/bin/python3 tools/pytorch_reference/compare_accuracy.py \
        --dagrad dagrad.txt --pytorch pytorch.txt

Both files hold the lines examples/example_main.cc prints (train.py prints
the same): `epoch E/N train_loss=... valid_acc=... time_s=...` and
`test_loss=... test_acc=... params=...`. Prints, per epoch, both sides'
valid accuracy and epoch time, the time ratio (PyTorch / dagrad, > 1: dagrad
faster), then both test accuracies and their difference in points.
"""

import argparse
import re
import sys

_FIELD = re.compile(r"(\w+)=([-+0-9.eE]+|nan|inf)")


def parse(text):
    """Returns ([epoch dicts], test dict or None)."""
    epochs, test = [], None
    for line in text.splitlines():
        if line.startswith("epoch "):
            fields = {k: float(v) for k, v in _FIELD.findall(line)}
            fields["epoch"] = int(line.split()[1].split("/")[0])
            epochs.append(fields)
        elif line.startswith("test_loss="):
            test = {k: float(v) for k, v in _FIELD.findall(line)}
    return epochs, test


def table(dagrad, pytorch):
    """Returns the comparison table as a string."""
    d_epochs, d_test = dagrad
    p_epochs, p_test = pytorch
    rows = ["epoch  dagrad_valid_acc  pytorch_valid_acc  dagrad_time_s  "
            "pytorch_time_s  speedup"]
    for d, p in zip(d_epochs, p_epochs):
        speed = p["time_s"] / d["time_s"] if d["time_s"] > 0 else float("nan")
        rows.append(f"{d['epoch']:5d}  {d.get('valid_acc', float('nan')):16.4f}"
                    f"  {p.get('valid_acc', float('nan')):17.4f}"
                    f"  {d['time_s']:13.2f}  {p['time_s']:14.2f}"
                    f"  {speed:6.2f}x")
    if d_test and p_test:
        diff = 100 * (d_test["test_acc"] - p_test["test_acc"])
        rows.append(f"test_acc  dagrad={d_test['test_acc']:.4f}  "
                    f"pytorch={p_test['test_acc']:.4f}  "
                    f"difference={diff:+.2f} points")
    return "\n".join(rows)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dagrad", required=True)
    p.add_argument("--pytorch", required=True)
    args = p.parse_args(argv)
    with open(args.dagrad) as f:
        dagrad = parse(f.read())
    with open(args.pytorch) as f:
        pytorch = parse(f.read())
    if not dagrad[0] or not pytorch[0]:
        print("compare_accuracy: no epoch lines in "
              f"{args.dagrad if not dagrad[0] else args.pytorch}",
              file=sys.stderr)
        return 1
    print(table(dagrad, pytorch))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Fashion-MNIST / MNIST IDX loading for the PyTorch reference.

Reads the four standard IDX files (optionally .gz) with gzip + numpy and
splits them exactly like dagrad's LoadMnistSplits() (data/dataset.h): the
first `train_limit` training images are used (all when -1); of those, the
last `valid_count` (default one sixth: 10,000 of 60,000) are the validation
split. Pixels are float32 / 255, shaped [N, 1, 28, 28]; labels int64.

Example:
    splits = load_splits("/usr/share/datasets/fashion-mnist")
    splits["train"][0].shape   # torch.Size([50000, 1, 28, 28])
"""

import gzip
import os

import numpy as np
import torch

DEFAULT_DATA_DIR = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    """Returns the unsigned-byte IDX array in `path` as a numpy array."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    rank = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big")
            for i in range(rank)]
    header = 4 + 4 * rank
    data = np.frombuffer(raw, dtype=np.uint8, offset=header)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: dims {dims} need {int(np.prod(dims))} "
                         f"bytes, file has {data.size}")
    return data.reshape(dims)


def _find(data_dir, stem):
    for name in (stem + ".gz", stem):
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"{stem}(.gz) not found in {data_dir}")


def _tensors(images, labels):
    x = torch.from_numpy(images.astype(np.float32) / 255.0)
    x = x.reshape(-1, 1, 28, 28)
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def load_splits(data_dir=DEFAULT_DATA_DIR, train_limit=-1, valid_count=-1):
    """Returns {"train": (x, y), "valid": (x, y), "test": (x, y)}."""
    train_x = read_idx(_find(data_dir, "train-images-idx3-ubyte"))
    train_y = read_idx(_find(data_dir, "train-labels-idx1-ubyte"))
    test_x = read_idx(_find(data_dir, "t10k-images-idx3-ubyte"))
    test_y = read_idx(_find(data_dir, "t10k-labels-idx1-ubyte"))
    n = len(train_y)
    if train_limit is not None and train_limit > 0:
        n = min(n, train_limit)
    if valid_count is None or valid_count < 0:
        valid_count = n // 6
    if valid_count >= n:
        raise ValueError(f"a validation split of {valid_count} leaves no "
                         f"training examples out of {n}")
    split = n - valid_count
    return {
        "train": _tensors(train_x[:split], train_y[:split]),
        "valid": _tensors(train_x[split:n], train_y[split:n]),
        "test": _tensors(test_x, test_y),
    }

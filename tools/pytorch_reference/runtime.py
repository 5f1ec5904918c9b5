"""Thread settings shared by train.py and bench.py.

Debian's python3-torch does its GEMMs in the system OpenBLAS (the pthread
build), whose thread count torch.set_num_threads() does NOT control: left
alone, OpenBLAS starts one thread per core and, on a busy machine, a
"1-thread" run spins on two cores (we measured dense_fwd 27 ms instead of
0.07 ms). set_threads() therefore also calls openblas_set_num_threads(n) on
the OpenBLAS that torch loaded, so `--threads n` really means n threads.

Example:
    runtime.set_threads(2)
"""

import ctypes
import ctypes.util

import torch

_interop_set = False


def _openblas():
    for name in ("libopenblas.so.0", ctypes.util.find_library("openblas")):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
            lib.openblas_set_num_threads  # pylint: disable=pointless-statement
            return lib
        except (OSError, AttributeError):
            continue
    return None


def set_threads(n):
    """Sets intra-op threads (ATen/OpenMP and OpenBLAS) to n, inter-op to 1.

    Returns a short description for logs, e.g. "2 threads (OpenBLAS 2)".
    """
    global _interop_set
    if not _interop_set:
        # Allowed only once, before any inter-op work.
        torch.set_num_interop_threads(1)
        _interop_set = True
    torch.set_num_threads(n)
    lib = _openblas()
    if lib is None:
        return f"{n} threads (OpenBLAS not found)"
    lib.openblas_set_num_threads(ctypes.c_int(n))
    get = getattr(lib, "openblas_get_num_threads", None)
    return f"{n} threads (OpenBLAS {get() if get else n})"

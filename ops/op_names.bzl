"""The op file names, shared by ops/BUILD and tests/ops/BUILD."""

# Keep in the order of DAGRAD_OP_LIST (ops/op_list.h).
OP_FILES = [
    "add",
    "avg_pool2d",
    "batch_norm",
    "bias_add",
    "conv2d",
    "cross_entropy",
    "dropout",
    "flatten",
    "identity",
    "log_softmax",
    "mat_mul",
    "max_pool2d",
    "mean",
    "mean_squared_error",
    "mul",
    "relu",
    "reshape",
    "scale",
    "sigmoid",
    "sigmoid_binary_cross_entropy",
    "softmax",
    "softmax_cross_entropy",
    "sum",
    "tanh",
]

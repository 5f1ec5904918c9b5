"""PyTorch twins of dagrad's example models (examples/*.cc).

Each builder returns a torch.nn.Module mapping a float32 batch
[N, 1, 28, 28] (pixels / 255) to logits [N, 10]; the loss is
torch.nn.CrossEntropyLoss() (mean over the batch), which is dagrad's fused
SoftmaxCrossEntropy: a final Dense(10, softmax) in dagrad is a plain Linear
here because dagrad fuses that softmax into the loss.

Initialization matches dagrad's layer defaults: Glorot/Xavier uniform
weights (fan_in/fan_out as Keras computes them, which equals
torch.nn.init.xavier_uniform_ for Linear [out, in] and Conv2d
[out, in, kh, kw]) and zero biases. The one exception is
softmax_regression, whose dagrad example uses Uniform(-0.1, 0.1) for both
weights and biases (the Edinburgh framework's UniformInit). Recurrent
layers keep PyTorch's own init, which is dagrad's recurrent default.

Example:
    model = build_model("lenet5")
    logits = model(torch.zeros(64, 1, 28, 28))   # [64, 10]
"""

import torch
from torch import nn


def _glorot_zero(module):
    """Applies dagrad's default init to every Linear and Conv2d."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return module


def lenet5():
    """examples/lenet5.cc: 61,684 parameters.

    conv 6x5x5 pad 2 (same) no bias, ReLU, maxpool 2, conv 16x5x5 valid no
    bias, ReLU, maxpool 2, flatten, 400->120 ReLU ->84 ReLU ->10.
    """
    return _glorot_zero(nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2, bias=False), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5, bias=False), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10)))


def mnist_mlp():
    """examples/mnist_mlp.cc: 784->200 ReLU ->10 (softmax in the loss)."""
    return _glorot_zero(nn.Sequential(
        nn.Flatten(), nn.Linear(784, 200), nn.ReLU(), nn.Linear(200, 10)))


def mnist_dropout():
    """examples/mnist_dropout.cc: mnist_mlp with Dropout(0.5) after the hidden
    layer (inverted dropout: kept units scaled by 2 while training)."""
    return _glorot_zero(nn.Sequential(
        nn.Flatten(), nn.Linear(784, 200), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(200, 10)))


def mnist_convnet():
    """examples/mnist_convnet.cc (slugnet's tiny convnet).

    Conv 1 kernel 3x3 (valid, bias) + ReLU -> [1,26,26], MeanPool 2 ->
    [1,13,13], Conv 2 kernels 4x4 (valid, bias) + ReLU -> [2,10,10],
    MeanPool 2 -> [2,5,5], Flatten (50), Dense 10.
    """
    return _glorot_zero(nn.Sequential(
        nn.Conv2d(1, 1, 3), nn.ReLU(), nn.AvgPool2d(2),
        nn.Conv2d(1, 2, 4), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(50, 10)))


def softmax_regression():
    """examples/softmax_regression.cc: one affine layer 784->10, weights and
    biases Uniform(-0.1, 0.1)."""
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    nn.init.uniform_(model[1].weight, -0.1, 0.1)
    nn.init.uniform_(model[1].bias, -0.1, 0.1)
    return model


def mlp():
    """MLP 784-100-10 with ReLU (the benchmark's mlp100 workload)."""
    return _glorot_zero(nn.Sequential(
        nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10)))


class _RowsLstm(nn.Module):
    """Reads [N, 1, 28, 28] as 28 steps of 28 features: LSTM, last state,
    Linear."""

    def __init__(self, units):
        super().__init__()
        self.lstm = nn.LSTM(28, units, batch_first=True)
        self.head = nn.Linear(units, 10)

    def forward(self, x):
        out, _ = self.lstm(x.reshape(-1, 28, 28))
        return self.head(out[:, -1, :])


def lstm(units=64):
    """examples/lstm.cc: Reshape [28,28], LSTM(64) last state, Dense 10;
    24,714 parameters.

    The LSTM keeps PyTorch's own init, U(-1/sqrt(H), 1/sqrt(H)) for every
    weight and both biases, which is dagrad's recurrent default
    (layers/recurrent.h, same gate order i f g o and two bias vectors); the
    Linear head is Glorot/zero like dagrad's Dense.
    """
    model = _RowsLstm(units)
    _glorot_zero(model.head)
    return model


_ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}


def mlp_depth(depth=1, activation="sigmoid"):
    """examples/mlp_depth_sweep.cc: `depth` affine layers in total (1..5),
    hidden width 100, `activation` between them, a final affine 10."""
    if not 1 <= depth <= 5:
        raise ValueError(f"mlp_depth: depth {depth} is outside 1..5")
    layers = [nn.Flatten()]
    width = 784
    for _ in range(depth - 1):
        layers += [nn.Linear(width, 100), _ACTIVATIONS[activation]()]
        width = 100
    layers.append(nn.Linear(width, 10))
    return _glorot_zero(nn.Sequential(*layers))


class _ResidualBlock(nn.Module):
    """layers/residual_block.h: relu(bn2(conv2(relu(bn1(conv1(x))))) + s(x)),
    3x3 convolutions padded by 1 without bias (conv1 with `stride`), and a
    projection shortcut s (1x1 conv with `stride`, no bias, BatchNorm) when
    the stride is not 1 or the channels change, else the identity."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Identity()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False),
                nn.BatchNorm2d(cout))

    def forward(self, x):
        h = torch.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return torch.relu(h + self.shortcut(x))


def resnet():
    """examples/resnet.cc (the functional API): stem conv 16x3x3 pad 1 no
    bias + BatchNorm + ReLU, residual blocks 16, 32 (stride 2), 64 (stride
    2), global average pooling, Linear 64->10. Convolutions He-normal (fan
    in, dagrad's Initializer::HeNormal), the Linear Glorot uniform with a
    zero bias; BatchNorm gamma 1, beta 0, momentum 0.1, eps 1e-5 (dagrad's
    BatchNorm defaults, the same conventions)."""
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16),
        nn.ReLU(),
        _ResidualBlock(16, 16, 1),
        _ResidualBlock(16, 32, 2),
        _ResidualBlock(32, 64, 2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_in",
                                    nonlinearity="relu")
        elif isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return model


MODELS = {
    "lenet5": lenet5,
    "mnist_mlp": mnist_mlp,
    "mnist_dropout": mnist_dropout,
    "mnist_convnet": mnist_convnet,
    "softmax_regression": softmax_regression,
    "mlp": mlp,
    "mlp_depth": mlp_depth,
    "lstm": lstm,
    "resnet": resnet,
}

# DEFAULTS are each dagrad example's flag defaults (ExampleSpec), used by
# train.py for flags left unset.
DEFAULTS = {
    "lenet5": dict(epochs=3, batch_size=64, lr=0.01, optimizer="momentum"),
    "mnist_mlp": dict(epochs=3, batch_size=64, lr=0.01, optimizer="rmsprop"),
    "mnist_dropout": dict(epochs=3, batch_size=64, lr=0.01,
                          optimizer="rmsprop"),
    "mnist_convnet": dict(epochs=3, batch_size=3, lr=0.001, optimizer="sgd",
                          train_limit=1000),
    "softmax_regression": dict(epochs=5, batch_size=100, lr=0.1,
                               optimizer="sgd"),
    "mlp": dict(epochs=3, batch_size=100, lr=0.1, optimizer="sgd"),
    "mlp_depth": dict(epochs=5, batch_size=100, lr=0.1, optimizer="sgd"),
    "lstm": dict(epochs=3, batch_size=64, lr=0.004, optimizer="adam"),
    "resnet": dict(epochs=3, batch_size=64, lr=0.001, optimizer="adam"),
}


def build_model(name, **kwargs):
    """Returns a freshly initialized model `name` (a key of MODELS)."""
    if name not in MODELS:
        raise ValueError(f"unknown model '{name}' (expected one of "
                         f"{', '.join(sorted(MODELS))})")
    return MODELS[name](**kwargs)


def parameter_count(model):
    """Counts every parameter element (dagrad's params=)."""
    return sum(p.numel() for p in model.parameters())


def make_optimizer(name, params, lr):
    """dagrad's optimizer names with dagrad's (Keras) hyperparameters:
    sgd; momentum (0.9); nesterov (0.9); rmsprop (rho 0.9, eps 1e-7);
    adam (0.9, 0.999, eps 1e-7)."""
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    if name == "nesterov":
        return torch.optim.SGD(params, lr=lr, momentum=0.9, nesterov=True)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=0.9, eps=1e-7)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-7)
    raise ValueError(f"unknown optimizer '{name}' (expected sgd, momentum, "
                     "nesterov, rmsprop or adam)")

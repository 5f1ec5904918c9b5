// ops/op_list.h: the one list of dagrad's ops.
//
// DAGRAD_OP_LIST(X) calls X(Name, min_inputs, max_inputs) once per op, in
// sorted order. OpKind, OpName() and the arity checks are derived from it, so
// adding an op is one line here plus its file pair ops/<name>.{h,cc}.
#ifndef DAGRAD_OPS_OP_LIST_H_
#define DAGRAD_OPS_OP_LIST_H_

#define DAGRAD_OP_LIST(X)            \
  X(Abs, 1, 1)                       \
  X(Add, 2, 2)                       \
  X(AvgPool2D, 1, 1)                 \
  X(BatchNorm, 5, 5)                 \
  X(BiasAdd, 2, 2)                   \
  X(Concat, 1, 31)                   \
  X(Conv2D, 2, 3)                    \
  X(CrossEntropy, 2, 2)              \
  X(Div, 2, 2)                       \
  X(Dropout, 1, 1)                   \
  X(Elu, 1, 1)                       \
  X(Exp, 1, 1)                       \
  X(Flatten, 1, 1)                   \
  X(FusedActivation, 1, 4)           \
  X(Gather, 2, 2)                    \
  X(Gelu, 1, 1)                      \
  X(GlobalAvgPool, 1, 1)             \
  X(GlobalMaxPool, 1, 1)             \
  X(Identity, 1, 1)                  \
  X(LayerNorm, 3, 3)                 \
  X(LeakyRelu, 1, 1)                 \
  X(Log, 1, 1)                       \
  X(LogSoftmax, 1, 1)                \
  X(MatMul, 2, 2)                    \
  X(MaxPool2D, 1, 1)                 \
  X(Maximum, 2, 2)                   \
  X(Mean, 1, 1)                      \
  X(MeanSquaredError, 2, 2)          \
  X(Minimum, 2, 2)                   \
  X(Mul, 2, 2)                       \
  X(Neg, 1, 1)                       \
  X(Pad, 1, 1)                       \
  X(Pow, 1, 1)                       \
  X(ReduceMax, 1, 1)                 \
  X(Relu, 1, 1)                      \
  X(Reshape, 1, 1)                   \
  X(Rsqrt, 1, 1)                     \
  X(Scale, 1, 1)                     \
  X(Sigmoid, 1, 1)                   \
  X(SigmoidBinaryCrossEntropy, 2, 2) \
  X(Slice, 1, 1)                     \
  X(Softmax, 1, 1)                   \
  X(SoftmaxCrossEntropy, 2, 2)       \
  X(Softplus, 1, 1)                  \
  X(Sqrt, 1, 1)                      \
  X(Sub, 2, 2)                       \
  X(Sum, 1, 1)                       \
  X(Swish, 1, 1)                     \
  X(Tanh, 1, 1)                      \
  X(Transpose, 1, 1)                 \
  X(Where, 3, 3)

#endif  // DAGRAD_OPS_OP_LIST_H_

// ops/op_list.h: the one list of dagrad's ops.
//
// DAGRAD_OP_LIST(X) calls X(Name, min_inputs, max_inputs) once per op, in
// sorted order. OpKind, OpName() and the arity checks are derived from it, so
// adding an op is one line here plus its file pair ops/<name>.{h,cc}.
#ifndef DAGRAD_OPS_OP_LIST_H_
#define DAGRAD_OPS_OP_LIST_H_

#define DAGRAD_OP_LIST(X)             \
  X(Add, 2, 2)                        \
  X(AvgPool2D, 1, 1)                  \
  X(BatchNorm, 5, 5)                  \
  X(BiasAdd, 2, 2)                    \
  X(Conv2D, 2, 3)                     \
  X(CrossEntropy, 2, 2)               \
  X(Dropout, 1, 1)                    \
  X(Flatten, 1, 1)                    \
  X(FusedActivation, 1, 4)            \
  X(Identity, 1, 1)                   \
  X(LogSoftmax, 1, 1)                 \
  X(MatMul, 2, 2)                     \
  X(MaxPool2D, 1, 1)                  \
  X(Mean, 1, 1)                       \
  X(MeanSquaredError, 2, 2)           \
  X(Mul, 2, 2)                        \
  X(Relu, 1, 1)                       \
  X(Reshape, 1, 1)                    \
  X(Scale, 1, 1)                      \
  X(Sigmoid, 1, 1)                    \
  X(SigmoidBinaryCrossEntropy, 2, 2)  \
  X(Softmax, 1, 1)                    \
  X(SoftmaxCrossEntropy, 2, 2)        \
  X(Sum, 1, 1)                        \
  X(Tanh, 1, 1)

#endif  // DAGRAD_OPS_OP_LIST_H_

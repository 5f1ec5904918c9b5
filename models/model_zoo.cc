#include "models/model_zoo.h"

#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/flatten.h"
#include "layers/pooling.h"

namespace dagrad {

void AddLeNet5(Sequential* model) {
  Conv2DOptions same;
  same.attrs.padding = Padding::kSame;
  same.use_bias = false;
  same.activation = Activation::kRelu;
  Conv2DOptions valid = same;
  valid.attrs.padding = Padding::kValid;
  model->Add(Conv2D(6, 5, same));
  model->Add(MaxPool2D(2));
  model->Add(Conv2D(16, 5, valid));
  model->Add(MaxPool2D(2));
  model->Add(Flatten());
  model->Add(Dense(120, Activation::kRelu));
  model->Add(Dense(84, Activation::kRelu));
  model->Add(Dense(10));
}

void AddMlp(Sequential* model, int64_t hidden, Activation activation) {
  model->Add(Flatten());
  model->Add(Dense(hidden, activation));
  model->Add(Dense(10));
}

}  // namespace dagrad

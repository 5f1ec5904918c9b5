// train/sequential.h: Sequential moved to models/sequential.h, as one case
// of the functional Model (models/model.h); its training is in
// train/trainer.h. This header is kept so that existing code including it
// keeps compiling.
#ifndef DAGRAD_TRAIN_SEQUENTIAL_H_
#define DAGRAD_TRAIN_SEQUENTIAL_H_

#include "models/sequential.h"

#endif  // DAGRAD_TRAIN_SEQUENTIAL_H_

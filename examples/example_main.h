// examples/example_main.h: the command line every training example shares.
//
// An example describes its model and default settings in an ExampleSpec and
// hands control to RunExample(), which parses the common flags, loads the
// data, trains, evaluates on the test set and writes the requested
// artifacts:
//   --data_dir     IDX files (default: Debian's dataset-fashion-mnist)
//   --epochs --batch_size --lr --optimizer --seed --threads
//   --train_limit  use only the first N training images (before the split)
//   --valid_count  validation examples (default: 1/6 of the training file)
//   --log_csv=PATH per-epoch stats     --plot=PATH.svg loss/accuracy curves
//   --save=PATH / --load=PATH          checkpoints (--load --epochs=0
//                                      evaluates a saved model)
//   --checkpoint_every=N  also save --save after every N epochs
//   --resume       continue from the --save checkpoint (if it exists) up to
//                  --epochs in all, with the losses of an uninterrupted run
//   --dot=PATH     the training graph in Graphviz DOT
//   --npy_dir=DIR  every parameter as DIR/<name>.npy after training
//   --export_onnx=PATH  the inference model as ONNX after training
//   --allow_non_finite  train on when a loss or gradient is NaN/Inf
//   --drop_last    drop each epoch's last partial training batch
//   --memory_budget  BYTES or P%: cap the training arena (rematerialization)
// The flags are typed Abseil flags. A bad flag value (one that does not
// parse as the flag's type, or is out of range), an output path that
// cannot be written (a missing or read-only directory, a path that is a
// directory; all are checked before the data is read) or unreadable data is
// a one-line error on stderr and exit status 2; an unknown flag is Abseil's
// usage error (exit status 1). --threads above the machine's hardware
// threads is capped to them, with a one-line notice on stderr.
//
// Failures during training are a one-line error and exit status 1: a
// diverging run (a NaN/Inf loss or gradient; with --allow_non_finite, a
// non-finite test loss) never exits 0.
//
// Interruption: the first SIGINT or SIGTERM lets the current step finish,
// then writes the --save checkpoint (if --save is set; the partial epoch
// included) and exits with status 128 + the signal (130 for SIGINT, 143
// for SIGTERM); a second signal ends the process at once. The same command
// with --resume continues it.
//
// Several processes: under `mpirun -np N` (README "Training on several
// machines") every rank runs the example as a data-parallel job
// (FitOptions::communicator); --batch_size is the global batch. The flags
// must be the same on every rank (else exit status 2 on every rank, naming
// the first flag that differs), a rank that cannot read its data or the
// --load / --resume checkpoint stops every rank (exit status 2 on every
// rank, each printing "rank R: " and that rank's error; never a hang), and
// only rank 0 prints to stdout and writes files. The command line is
// compared as text, paths included: give a rank its own files under the
// same relative path (mpirun -wdir DIR per rank).
//
// Output: the model summary, one line per epoch (report/history.h), then
//   test_loss=0.4012 test_acc=0.8611 params=61684 peak_rss_mb=132
// where peak_rss_mb is the process's peak resident memory so far, and,
// before it for a model of several outputs, one line per output:
//   test_acc_classes=0.8702 test_loss_classes=0.3650
#ifndef DAGRAD_EXAMPLES_EXAMPLE_MAIN_H_
#define DAGRAD_EXAMPLES_EXAMPLE_MAIN_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/shape.h"
#include "data/multi_dataset.h"
#include "layers/activation.h"
#include "models/model.h"
#include "models/sequential.h"

namespace dagrad {

struct ExampleSpec {
  std::string name;   // e.g. "lenet5"
  std::string title;  // e.g. "LeNet-5"
  Shape input_shape;  // per example, e.g. {1, 28, 28}
  Loss loss = Loss::kSoftmaxCrossEntropy;
  // Defaults for the flags the user leaves unset.
  int epochs = 3;
  int64_t batch_size = 64;
  float lr = 0.01f;
  OptimizerKind optimizer = OptimizerKind::kSgd;
  int64_t train_limit = -1;
  OptimizerOptions optimizer_options;
  // build() adds the layers. `activation` is the --activation flag (for
  // examples that take one; default sigmoid) and `variant` the sweep value.
  std::function<void(Sequential* model, Activation activation, int variant)>
      build;
  // build_model: instead of build(), a functional Model (models/model.h),
  // initialized from `seed`; input_shape is then unused. Every flag works
  // as for build().
  std::function<std::unique_ptr<Model>(uint64_t seed, Activation activation,
                                       int variant)>
      build_model;
  // make_data: for a model of several inputs or outputs, the MultiDataset
  // (one tensor per input, one label tensor per output) made from each
  // split; unset, the model takes the images and labels as they are.
  std::function<absl::StatusOr<MultiDataset>(const Dataset& split,
                                             const std::string& name)>
      make_data;
  // loss_weights: one per output (empty: all 1); output_names name the
  // outputs in the per-output test line (test_acc_<name>=...).
  std::vector<float> loss_weights;
  std::vector<std::string> output_names;
  // sweep: when non-empty, one model is trained per value (passed to build()
  // as `variant`) and a summary table printed at the end, one row each.
  std::vector<int> sweep;
  std::string sweep_name = "variant";
};

// DefaultDataDir() is where dataset-fashion-mnist installs its files.
inline constexpr char kDefaultDataDir[] = "/usr/share/datasets/fashion-mnist";

// RunExample() runs the example as described above and returns the process
// exit status (0; 1 on a training error; 2 on bad flags, outputs or data;
// 128 + signal when interrupted).
int RunExample(int argc, char** argv, const ExampleSpec& spec);

}  // namespace dagrad

#endif  // DAGRAD_EXAMPLES_EXAMPLE_MAIN_H_

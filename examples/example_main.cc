#include "examples/example_main.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "core/gemm.h"
#include "core/status_macros.h"
#include "data/dataset.h"
#include "graph/dot.h"
#include "io/file_system.h"
#include "io/npy.h"
#include "report/svg_plot.h"

// Numbers are read as strings so that a bad value is our one-line error
// (exit 2), and an empty value means "the example's default".
ABSL_FLAG(std::string, data_dir, dagrad::kDefaultDataDir,
          "directory with the four MNIST-format IDX files (.gz or plain)");
ABSL_FLAG(std::string, epochs, "", "training epochs (default: the example's)");
ABSL_FLAG(std::string, batch_size, "", "batch size (default: the example's)");
ABSL_FLAG(std::string, lr, "", "learning rate (default: the example's)");
ABSL_FLAG(std::string, optimizer, "",
          "sgd, momentum, nesterov, rmsprop, adam or adamw");
ABSL_FLAG(std::string, seed, "0", "seed for initialization, shuffling, dropout");
ABSL_FLAG(std::string, threads, "1", "intra-op threads");
ABSL_FLAG(std::string, train_limit, "",
          "use only the first N training images, before the train/valid split");
ABSL_FLAG(std::string, valid_count, "",
          "validation examples taken from the end of the training file "
          "(default: one sixth)");
ABSL_FLAG(std::string, activation, "",
          "hidden activation for examples that take one: sigmoid, tanh, relu");
ABSL_FLAG(std::string, log_csv, "", "write per-epoch stats as CSV here");
ABSL_FLAG(std::string, plot, "", "write loss/accuracy curves as SVG here");
ABSL_FLAG(std::string, save, "", "save a checkpoint here after training");
ABSL_FLAG(std::string, load, "", "load this checkpoint before training");
ABSL_FLAG(std::string, dot, "", "write the training graph as Graphviz DOT here");
ABSL_FLAG(std::string, npy_dir, "",
          "after training, write every parameter to DIR/<name>.npy (NumPy)");

namespace dagrad {
namespace {

struct Settings {
  int epochs;
  int64_t batch_size;
  float lr;
  std::string optimizer;
  uint64_t seed;
  int threads;
  int64_t train_limit;
  int64_t valid_count;
  Activation activation = Activation::kSigmoid;
};

template <typename T>
absl::Status ParseNumber(const char* flag, const std::string& text, T default_value,
                         T min_value, T* out) {
  if (text.empty()) {
    *out = default_value;
    return absl::OkStatus();
  }
  bool ok;
  if constexpr (std::is_floating_point_v<T>) {
    double value;
    ok = absl::SimpleAtod(text, &value);
    *out = static_cast<T>(value);
  } else {
    int64_t value;
    ok = absl::SimpleAtoi(text, &value);
    *out = static_cast<T>(value);
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--%s=%s is not a number", flag, text));
  }
  if (!(*out >= min_value)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--%s=%s must be >= %s", flag, text, absl::StrCat(min_value)));
  }
  return absl::OkStatus();
}

absl::StatusOr<Settings> ReadFlags(const ExampleSpec& spec) {
  Settings s;
  RETURN_IF_ERROR(ParseNumber("epochs", absl::GetFlag(FLAGS_epochs),
                              spec.epochs, 0, &s.epochs));
  RETURN_IF_ERROR(ParseNumber("batch_size", absl::GetFlag(FLAGS_batch_size),
                              spec.batch_size, int64_t{1}, &s.batch_size));
  RETURN_IF_ERROR(
      ParseNumber("lr", absl::GetFlag(FLAGS_lr), spec.lr, 0.0f, &s.lr));
  int64_t seed;
  RETURN_IF_ERROR(ParseNumber("seed", absl::GetFlag(FLAGS_seed), int64_t{0},
                              int64_t{0}, &seed));
  s.seed = static_cast<uint64_t>(seed);
  RETURN_IF_ERROR(
      ParseNumber("threads", absl::GetFlag(FLAGS_threads), 1, 1, &s.threads));
  RETURN_IF_ERROR(ParseNumber("train_limit", absl::GetFlag(FLAGS_train_limit),
                              spec.train_limit, int64_t{-1}, &s.train_limit));
  if (s.train_limit == 0) {
    return absl::InvalidArgumentError("--train_limit must be >= 1");
  }
  RETURN_IF_ERROR(ParseNumber("valid_count", absl::GetFlag(FLAGS_valid_count),
                              int64_t{-1}, int64_t{-1}, &s.valid_count));
  s.optimizer = absl::GetFlag(FLAGS_optimizer);
  if (s.optimizer.empty()) s.optimizer = spec.optimizer;
  // MakeOptimizer() validates the name; check here for a flag-style error.
  OptimizerOptions probe = spec.optimizer_options;
  absl::StatusOr<std::unique_ptr<Optimizer>> optimizer =
      MakeOptimizer(s.optimizer, probe);
  if (!optimizer.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--optimizer=%s: %s", s.optimizer, optimizer.status().message()));
  }
  const std::string activation = absl::GetFlag(FLAGS_activation);
  if (!activation.empty()) {
    absl::StatusOr<Activation> a = ParseActivation(activation);
    if (!a.ok()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("--activation: %s", a.status().message()));
    }
    s.activation = *a;
  }
  return s;
}

struct Outcome {
  History history;
  EvalResult test;
  int64_t params = 0;
};

// TrainOne() builds, trains and tests one model (sweep value `variant`).
// `bad_input` is set when the error is the user's (exit 2).
absl::StatusOr<Outcome> TrainOne(const ExampleSpec& spec, const Settings& s,
                                 const MnistSplits& data, int variant,
                                 bool* bad_input) {
  *bad_input = true;
  Sequential model(spec.input_shape, s.seed);
  spec.build(&model, s.activation, variant);
  ASSIGN_OR_RETURN(std::string summary, model.Summary());
  std::printf("%s", summary.c_str());
  FitOptions fit;
  fit.epochs = s.epochs;
  fit.batch_size = s.batch_size;
  fit.lr = s.lr;
  fit.optimizer = s.optimizer;
  fit.optimizer_options = spec.optimizer_options;
  fit.loss = spec.loss;
  fit.num_threads = s.threads;
  RETURN_IF_ERROR(model.Compile(spec.loss));
  if (const std::string path = absl::GetFlag(FLAGS_load); !path.empty()) {
    RETURN_IF_ERROR(model.Load(path));
    std::printf("loaded %s (%lld epochs done)\n", path.c_str(),
                static_cast<long long>(model.epochs_done()));
  }
  if (const std::string path = absl::GetFlag(FLAGS_dot); !path.empty()) {
    // The training graph with the buffer sizes planned for this batch size.
    ASSIGN_OR_RETURN(Executor * train,
                     model.GetExecutor(/*training=*/true, s.batch_size,
                                       s.threads));
    const MemoryPlan& plan = train->plan();
    RETURN_IF_ERROR(WriteFileAtomically(path, ToDot(*model.graph(), &plan)));
    std::printf(
        "wrote %s: %d nodes; planned arena %lld bytes vs %lld unplanned "
        "(%.1f%%) at batch %lld\n",
        path.c_str(), model.graph()->num_nodes(),
        static_cast<long long>(plan.peak_bytes),
        static_cast<long long>(plan.naive_bytes),
        100.0 * plan.peak_bytes / std::max<int64_t>(plan.naive_bytes, 1),
        static_cast<long long>(s.batch_size));
  }
  *bad_input = false;
  Outcome outcome;
  if (s.epochs > 0) {
    const Dataset* valid = data.valid.size() > 0 ? &data.valid : nullptr;
    ASSIGN_OR_RETURN(outcome.history, model.Fit(data.train, valid, fit));
  }
  if (const std::string path = absl::GetFlag(FLAGS_log_csv); !path.empty()) {
    RETURN_IF_ERROR(WriteFileAtomically(path, HistoryCsv(outcome.history)));
  }
  if (const std::string path = absl::GetFlag(FLAGS_plot); !path.empty()) {
    RETURN_IF_ERROR(WriteTrainingCurves(path, outcome.history, spec.title));
  }
  if (const std::string path = absl::GetFlag(FLAGS_save); !path.empty()) {
    RETURN_IF_ERROR(model.Save(path));
  }
  if (const std::string dir = absl::GetFlag(FLAGS_npy_dir); !dir.empty()) {
    for (const auto& [name, value] : model.parameters()->Items()) {
      // "conv2d_1/W" -> DIR/conv2d_1_W.npy
      RETURN_IF_ERROR(WriteNpy(
          absl::StrCat(dir, "/", absl::StrReplaceAll(name, {{"/", "_"}}),
                       ".npy"),
          *value));
    }
  }
  ASSIGN_OR_RETURN(outcome.test, model.Evaluate(data.test, 1000, spec.loss,
                                                s.threads));
  outcome.params = model.parameter_count();
  std::printf("test_loss=%.4f test_acc=%.4f params=%lld\n", outcome.test.loss,
              outcome.test.accuracy, static_cast<long long>(outcome.params));
  return outcome;
}

absl::Status Run(const ExampleSpec& spec, const Settings& s, bool* bad_input) {
  *bad_input = true;
  SetBlasThreads(1);
  ASSIGN_OR_RETURN(MnistSplits data,
                   LoadMnistSplits(absl::GetFlag(FLAGS_data_dir),
                                   s.train_limit, s.valid_count));
  std::printf("%s: %lld train, %lld valid, %lld test examples from %s\n",
              spec.name.c_str(), static_cast<long long>(data.train.size()),
              static_cast<long long>(data.valid.size()),
              static_cast<long long>(data.test.size()),
              absl::GetFlag(FLAGS_data_dir).c_str());
  if (spec.sweep.empty()) {
    return TrainOne(spec, s, data, 0, bad_input).status();
  }
  std::string table = absl::StrFormat(
      "%-10s %10s %10s %10s %10s %10s %10s\n", spec.sweep_name, "params",
      "train_loss", "valid_acc", "test_loss", "test_acc", "time_s");
  for (int variant : spec.sweep) {
    std::printf("== %s %s=%d\n", spec.name.c_str(), spec.sweep_name.c_str(),
                variant);
    ASSIGN_OR_RETURN(Outcome o, TrainOne(spec, s, data, variant, bad_input));
    double time_s = 0;
    for (const EpochStats& e : o.history.epochs) time_s += e.time_s;
    const EpochStats last =
        o.history.epochs.empty() ? EpochStats{} : o.history.epochs.back();
    absl::StrAppendFormat(&table, "%-10d %10d %10.4f %10.4f %10.4f %10.4f %10.2f\n",
                          variant, o.params, last.train_loss, last.valid_acc,
                          o.test.loss, o.test.accuracy, time_s);
  }
  std::printf("summary (%s activation):\n%s", 
              std::string(ActivationName(s.activation)).c_str(), table.c_str());
  return absl::OkStatus();
}

}  // namespace

int RunExample(int argc, char** argv, const ExampleSpec& spec) {
  absl::ParseCommandLine(argc, argv);
  absl::StatusOr<Settings> settings = ReadFlags(spec);
  if (!settings.ok()) {
    std::fprintf(stderr, "%s: %s\n", spec.name.c_str(),
                 std::string(settings.status().message()).c_str());
    return 2;
  }
  bool bad_input = false;
  const absl::Status status = Run(spec, *settings, &bad_input);
  if (!status.ok()) {
    std::fflush(stdout);  // The error is the last line a terminal shows.
    std::fprintf(stderr, "%s: %s\n", spec.name.c_str(),
                 std::string(status.message()).c_str());
    return bad_input ? 2 : 1;
  }
  return 0;
}

}  // namespace dagrad

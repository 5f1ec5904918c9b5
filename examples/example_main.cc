#include "examples/example_main.h"

#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "core/flag_parse.h"
#include "core/gemm.h"
#include "core/status_macros.h"
#include "core/thread_pool.h"
#include "data/dataset.h"
#include "dist/communicator.h"
#include "dist/consistency.h"
#include "graph/dot.h"
#include "io/file_system.h"
#include "io/npy.h"
#include "io/onnx/onnx_export.h"
#include "report/svg_plot.h"
#include "train/callbacks.h"

namespace dagrad {

// Activation as a flag type (absl/flags/marshalling.h), by ParseActivation()
// names. Found by argument-dependent lookup, so declared in dagrad.
bool AbslParseFlag(absl::string_view text, Activation* activation,
                   std::string* error) {
  return ParseFlagWith(ParseActivation(text), activation, error);
}

std::string AbslUnparseFlag(Activation activation) {
  return std::string(ActivationName(activation));
}

}  // namespace dagrad

// Flags left unset (std::nullopt, or given an empty value) take the
// example's default from its ExampleSpec.
ABSL_FLAG(std::string, data_dir, dagrad::kDefaultDataDir,
          "directory with the four MNIST-format IDX files (.gz or plain)");
ABSL_FLAG(std::optional<int32_t>, epochs, std::nullopt,
          "training epochs (default: the example's)");
ABSL_FLAG(std::optional<int64_t>, batch_size, std::nullopt,
          "batch size (default: the example's)");
ABSL_FLAG(std::optional<double>, lr, std::nullopt,
          "learning rate (default: the example's)");
ABSL_FLAG(std::optional<dagrad::OptimizerKind>, optimizer, std::nullopt,
          "sgd, momentum, nesterov, rmsprop, adam or adamw (default: the "
          "example's)");
ABSL_FLAG(int64_t, seed, 0, "seed for initialization, shuffling, dropout");
ABSL_FLAG(int32_t, threads, 1,
          "intra-op threads (more than the hardware threads: capped, with a "
          "notice)");
ABSL_FLAG(std::optional<int64_t>, train_limit, std::nullopt,
          "use only the first N training images, before the train/valid split "
          "(-1: all; default: the example's)");
ABSL_FLAG(std::optional<int64_t>, valid_count, std::nullopt,
          "validation examples taken from the end of the training file "
          "(default: one sixth)");
ABSL_FLAG(std::optional<dagrad::Activation>, activation, std::nullopt,
          "hidden activation for examples that take one: sigmoid, tanh, relu "
          "(default: sigmoid)");
ABSL_FLAG(std::string, log_csv, "", "write per-epoch stats as CSV here");
ABSL_FLAG(std::string, plot, "", "write loss/accuracy curves as SVG here");
ABSL_FLAG(std::string, save, "", "save a checkpoint here after training");
ABSL_FLAG(std::string, load, "", "load this checkpoint before training");
ABSL_FLAG(std::string, dot, "",
          "write the training graph as Graphviz DOT here");
ABSL_FLAG(std::string, npy_dir, "",
          "after training, write every parameter to DIR/<name>.npy (NumPy)");
ABSL_FLAG(std::string, export_onnx, "",
          "after training, write the inference model as ONNX here");
ABSL_FLAG(int32_t, checkpoint_every, 0,
          "also save the --save checkpoint every N epochs (0: only at the "
          "end)");
ABSL_FLAG(bool, resume, false,
          "continue from the --save checkpoint if it exists, up to --epochs "
          "in all");
ABSL_FLAG(bool, allow_non_finite, false,
          "train on when a loss or gradient is NaN/Inf (default: stop with an "
          "error)");
ABSL_FLAG(bool, drop_last, false,
          "drop the last partial training batch of each epoch");
ABSL_FLAG(int32_t, reduction_shards, 0,
          "sum each batch's gradient over this many shards, one pass each "
          "(0: 2, or 1 for a model with BatchNorm); under mpirun -np N the "
          "run equals one process with the same value");
ABSL_FLAG(bool, overlap_sync, true,
          "under mpirun, sum each gradient over the ranks while the reverse "
          "pass computes the rest (same results either way)");
ABSL_FLAG(std::string, memory_budget, "",
          "cap the training arena at BYTES or at P% of its unbudgeted plan; "
          "forward values are recomputed in the reverse pass (same losses)");

namespace dagrad {
namespace {

// PeakRssMegabytes() is the process's peak resident set size so far, in
// MB (getrusage's ru_maxrss is in kB on Linux).
double PeakRssMegabytes() {
  struct rusage usage;
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

struct Settings {
  int epochs;
  int64_t batch_size;
  float lr;
  OptimizerKind optimizer;
  uint64_t seed;
  int threads;
  int64_t train_limit;
  int64_t valid_count;
  Activation activation = Activation::kSigmoid;
  int checkpoint_every = 0;
};

// The interrupt a SIGINT or SIGTERM raises (FitOptions::interrupt), and
// which signal it was. std::atomic<bool> is lock-free, so the handler may
// store to it.
std::atomic<bool> g_interrupt{false};
volatile std::sig_atomic_t g_signal = 0;

extern "C" void OnInterrupt(int signal) {
  g_signal = signal;
  g_interrupt.store(true);
}

// InstallInterruptHandlers() makes the first SIGINT/SIGTERM raise
// g_interrupt; SA_RESETHAND lets a second one end the process at once.
void InstallInterruptHandlers() {
  struct sigaction action = {};
  action.sa_handler = OnInterrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND | SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

// CheckOutputs() checks, before any data is read or step taken, that every
// output the flags ask for can be written.
absl::Status CheckOutputs() {
  const std::pair<const char*, std::string> files[] = {
      {"save", absl::GetFlag(FLAGS_save)},
      {"log_csv", absl::GetFlag(FLAGS_log_csv)},
      {"plot", absl::GetFlag(FLAGS_plot)},
      {"dot", absl::GetFlag(FLAGS_dot)},
      {"export_onnx", absl::GetFlag(FLAGS_export_onnx)}};
  for (const auto& [flag, path] : files) {
    if (path.empty()) continue;
    if (absl::Status s = CheckWritableFile(path); !s.ok()) {
      return absl::Status(
          s.code(), absl::StrCat("--", flag, "=", path, ": ", s.message()));
    }
  }
  if (const std::string dir = absl::GetFlag(FLAGS_npy_dir); !dir.empty()) {
    if (absl::Status s = CheckWritableDirectory(dir); !s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat("--npy_dir=", dir, ": ", s.message()));
    }
  }
  return absl::OkStatus();
}

// CheckFlagValues() parses, ahead of absl::ParseCommandLine(), the value of
// every flag in argv that this file defines (--name=value, --name value, one
// or two dashes). A value Abseil rejects is then our one-line error and exit
// status 2; ParseCommandLine() would report it as a usage error and exit
// with status 1. Other flags (Abseil's own, unknown ones) are left to it.
absl::Status CheckFlagValues(int argc, char** argv) {
  // ABSL_FLAG records the defining file: this file's flags, and only those.
  const std::string this_file =
      absl::GetFlagReflectionHandle(FLAGS_data_dir).Filename();
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;  // The rest is positional.
    if (!absl::ConsumePrefix(&arg, "-")) continue;
    absl::ConsumePrefix(&arg, "-");
    const size_t eq = arg.find('=');
    const absl::string_view name = arg.substr(0, eq);
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr || flag->Filename() != this_file) continue;
    absl::string_view value;
    if (eq != absl::string_view::npos) {
      value = arg.substr(eq + 1);
    } else if (flag->IsOfType<bool>() || i + 1 == argc) {
      continue;  // A bool needs no value; a missing one is Abseil's error.
    } else {
      value = argv[++i];
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError(error);
    }
  }
  return absl::OkStatus();
}

// AtLeast() checks flag `--name`'s value against its minimum (NaN fails).
template <typename T>
absl::Status AtLeast(const char* name, T value, T min_value) {
  if (value >= min_value) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrFormat("--%s=%s must be >= %s",
                                                    name, absl::StrCat(value),
                                                    absl::StrCat(min_value)));
}

absl::StatusOr<Settings> ReadFlags(const ExampleSpec& spec) {
  Settings s;
  s.epochs = absl::GetFlag(FLAGS_epochs).value_or(spec.epochs);
  RETURN_IF_ERROR(AtLeast("epochs", s.epochs, 0));
  s.batch_size = absl::GetFlag(FLAGS_batch_size).value_or(spec.batch_size);
  RETURN_IF_ERROR(AtLeast("batch_size", s.batch_size, int64_t{1}));
  s.lr = static_cast<float>(absl::GetFlag(FLAGS_lr).value_or(spec.lr));
  RETURN_IF_ERROR(AtLeast("lr", s.lr, 0.0f));
  const int64_t seed = absl::GetFlag(FLAGS_seed);
  RETURN_IF_ERROR(AtLeast("seed", seed, int64_t{0}));
  s.seed = static_cast<uint64_t>(seed);
  s.threads = absl::GetFlag(FLAGS_threads);
  RETURN_IF_ERROR(AtLeast("threads", s.threads, 1));
  if (s.threads > HardwareThreads()) {
    std::fprintf(stderr,
                 "%s: --threads=%d is more than the %d hardware threads; "
                 "using %d\n",
                 spec.name.c_str(), s.threads, HardwareThreads(),
                 HardwareThreads());
    s.threads = HardwareThreads();
  }
  s.checkpoint_every = absl::GetFlag(FLAGS_checkpoint_every);
  RETURN_IF_ERROR(AtLeast("checkpoint_every", s.checkpoint_every, 0));
  const bool saving = !absl::GetFlag(FLAGS_save).empty();
  if (s.checkpoint_every > 0 && !saving) {
    return absl::InvalidArgumentError(
        "--checkpoint_every needs --save=PATH, the checkpoint it writes");
  }
  if (absl::GetFlag(FLAGS_resume)) {
    if (!saving) {
      return absl::InvalidArgumentError(
          "--resume needs --save=PATH, the checkpoint it continues from");
    }
    if (!absl::GetFlag(FLAGS_load).empty()) {
      return absl::InvalidArgumentError(
          "--resume continues from --save; it does not take --load");
    }
  }
  if (!spec.sweep.empty() &&
      (s.checkpoint_every > 0 || absl::GetFlag(FLAGS_resume))) {
    return absl::InvalidArgumentError(
        absl::StrCat("--checkpoint_every and --resume are for one model; ",
                     spec.name, " trains one per ", spec.sweep_name));
  }
  s.train_limit = absl::GetFlag(FLAGS_train_limit).value_or(spec.train_limit);
  RETURN_IF_ERROR(AtLeast("train_limit", s.train_limit, int64_t{-1}));
  if (s.train_limit == 0) {
    return absl::InvalidArgumentError("--train_limit must be >= 1");
  }
  s.valid_count = absl::GetFlag(FLAGS_valid_count).value_or(-1);
  RETURN_IF_ERROR(AtLeast("valid_count", s.valid_count, int64_t{-1}));
  s.optimizer = absl::GetFlag(FLAGS_optimizer).value_or(spec.optimizer);
  // MakeOptimizer() checks the example's options; report it as a flag error.
  absl::StatusOr<std::unique_ptr<Optimizer>> optimizer =
      MakeOptimizer(s.optimizer, spec.optimizer_options);
  if (!optimizer.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--optimizer=%s: %s", OptimizerKindName(s.optimizer),
                        optimizer.status().message()));
  }
  s.activation = absl::GetFlag(FLAGS_activation).value_or(s.activation);
  return s;
}

struct Outcome {
  History history;
  EvalResult test;
  int64_t params = 0;
};

// Interrupted() ends a run stopped by SIGINT/SIGTERM: the --save
// checkpoint is written (partial epoch included) and the status is
// Cancelled; RunExample() exits with 128 + the signal.
absl::Status Interrupted(Trainer* model, absl::string_view why) {
  const std::string save = absl::GetFlag(FLAGS_save);
  if (save.empty()) {
    return absl::CancelledError(
        absl::StrCat(why, "; no --save, so nothing was saved"));
  }
  RETURN_IF_ERROR(model->Save(save));
  return absl::CancelledError(
      absl::StrCat(why, "; saved ", save, " (--resume continues from it)"));
}

// MemoryBudget() is --memory_budget in bytes (0 when unset): BYTES, or P%
// of the unbudgeted arena of the training executor of `pass_rows` (one
// pass: a gradient shard of the batch). It prints what rematerialization
// did; a budget that cannot be met is an error stating the smallest
// feasible one.
absl::StatusOr<int64_t> MemoryBudget(Trainer* model, const Settings& s,
                                     int64_t pass_rows) {
  const std::string text = absl::GetFlag(FLAGS_memory_budget);
  if (text.empty()) return 0;
  absl::string_view flag = text;
  const bool percent = absl::ConsumeSuffix(&flag, "%");
  double value = 0;
  if (!absl::SimpleAtod(flag, &value) || !(value > 0) ||
      (!percent && value != std::floor(value))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--memory_budget=", text,
        ": expected a positive byte count or a percentage such as 50%"));
  }
  int64_t budget = static_cast<int64_t>(value);
  if (percent) {
    ASSIGN_OR_RETURN(
        Executor * full,
        model->GetExecutor(ExecutorMode::kTrain, pass_rows, s.threads));
    budget = static_cast<int64_t>(full->plan().peak_bytes * value / 100.0);
  }
  absl::StatusOr<Executor*> train =
      model->GetExecutor(ExecutorMode::kTrain, pass_rows, s.threads, budget);
  if (!train.ok()) {
    return absl::Status(
        train.status().code(),
        absl::StrCat("--memory_budget=", text, ": ", train.status().message()));
  }
  std::printf("memory budget %lld bytes: %s\n", static_cast<long long>(budget),
              (*train)->rematerialization().Summary().c_str());
  return budget;
}

// TrainOne() builds, trains and tests one model (sweep value `variant`).
// `bad_input` is set when the error is the user's (exit 2).
// Under mpirun (`comm` of several ranks) every rank trains its shard of
// each global batch; only rank 0 prints (see RunExample) and writes files.
absl::StatusOr<Outcome> TrainOne(const ExampleSpec& spec, const Settings& s,
                                 const MnistSplits& data, int variant,
                                 Communicator* comm, bool* bad_input) {
  const bool writer = comm->rank() == 0;
  *bad_input = true;
  // A functional Model, or a Sequential (one case of it).
  std::unique_ptr<Model> built;
  if (spec.build_model) {
    built = spec.build_model(s.seed, s.activation, variant);
  } else {
    auto sequential = std::make_unique<Sequential>(spec.input_shape, s.seed);
    spec.build(sequential.get(), s.activation, variant);
    built = std::move(sequential);
  }
  Model& model = *built;
  // The data as the model takes it: one tensor per input and output.
  std::optional<MultiDataset> train, valid, test;
  if (spec.make_data) {
    ASSIGN_OR_RETURN(train, spec.make_data(data.train, "train"));
    if (data.valid.size() > 0) {
      ASSIGN_OR_RETURN(valid, spec.make_data(data.valid, "valid"));
    }
    ASSIGN_OR_RETURN(test, spec.make_data(data.test, "test"));
  }
  ASSIGN_OR_RETURN(std::string summary, model.Summary());
  std::printf("%s", summary.c_str());
  FitOptions fit;
  fit.epochs = s.epochs;
  fit.batch_size = s.batch_size;
  fit.lr = s.lr;
  fit.optimizer = s.optimizer;
  fit.optimizer_options = spec.optimizer_options;
  fit.loss = spec.loss;
  fit.loss_weights = spec.loss_weights;
  fit.num_threads = s.threads;
  fit.allow_non_finite = absl::GetFlag(FLAGS_allow_non_finite);
  fit.drop_last = absl::GetFlag(FLAGS_drop_last);
  fit.interrupt = &g_interrupt;
  fit.communicator = comm;
  fit.reduction_shards = absl::GetFlag(FLAGS_reduction_shards);
  fit.overlap_gradient_sync = absl::GetFlag(FLAGS_overlap_sync);
  const std::string save = absl::GetFlag(FLAGS_save);
  PeriodicCheckpoint periodic(save, std::max(s.checkpoint_every, 1));
  if (s.checkpoint_every > 0) fit.callbacks.push_back(&periodic);
  std::vector<OutputLoss> losses(model.num_outputs(), OutputLoss{spec.loss});
  for (size_t i = 0; i < spec.loss_weights.size() && i < losses.size(); ++i) {
    losses[i].weight = spec.loss_weights[i];
  }
  RETURN_IF_ERROR(model.Compile(losses));
  // Every rank reads the checkpoint --load or --resume names (the flags are
  // the same on every rank, so every rank gets to each AgreeOnStatus): one
  // rank that cannot read its copy stops every rank, naming it, instead of
  // leaving the others waiting in Fit's first collective.
  if (const std::string path = absl::GetFlag(FLAGS_load); !path.empty()) {
    RETURN_IF_ERROR(AgreeOnStatus(comm, model.Load(path)));
    std::printf("loaded %s (%lld epochs done)\n", path.c_str(),
                static_cast<long long>(model.epochs_done()));
  }
  if (absl::GetFlag(FLAGS_resume)) {
    const bool afresh = absl::IsNotFound(ReadFileBytes(save).status());
    RETURN_IF_ERROR(
        AgreeOnStatus(comm, afresh ? absl::OkStatus() : model.Load(save)));
    if (afresh) {
      std::printf("resume: no checkpoint at %s yet; starting afresh\n",
                  save.c_str());
    } else {
      // --epochs counts the whole run; a partial epoch is still to do.
      fit.epochs = static_cast<int>(
          std::max<int64_t>(0, s.epochs - model.epochs_done()));
      std::printf("resumed %s at epoch %lld, step %lld; %d epochs to go\n",
                  save.c_str(), static_cast<long long>(model.epochs_done() + 1),
                  static_cast<long long>(model.steps_done()), fit.epochs);
    }
  }
  ASSIGN_OR_RETURN(const int64_t pass_rows, model.PassRows(fit));
  ASSIGN_OR_RETURN(fit.memory_budget_bytes, MemoryBudget(&model, s, pass_rows));
  if (const std::string path = absl::GetFlag(FLAGS_dot);
      writer && !path.empty()) {
    // The training graph with the buffer sizes planned for one pass (with
    // --memory_budget, the rematerialized graph the executor runs).
    ASSIGN_OR_RETURN(Executor * train,
                     model.GetExecutor(ExecutorMode::kTrain, pass_rows,
                                       s.threads, fit.memory_budget_bytes));
    const MemoryPlan& plan = train->plan();
    RETURN_IF_ERROR(WriteFileAtomically(path, ToDot(train->graph(), &plan)));
    std::printf(
        "wrote %s: %d nodes; planned arena %lld bytes vs %lld unplanned "
        "(%.1f%%) at batch %lld\n",
        path.c_str(), train->graph().num_nodes(),
        static_cast<long long>(plan.peak_bytes),
        static_cast<long long>(plan.naive_bytes),
        100.0 * plan.peak_bytes / std::max<int64_t>(plan.naive_bytes, 1),
        static_cast<long long>(s.batch_size));
  }
  *bad_input = false;
  Outcome outcome;
  if (fit.epochs > 0) {
    const int64_t steps_before = model.steps_done();
    absl::StatusOr<History> history =
        train.has_value()
            ? model.Fit(*train, valid.has_value() ? &*valid : nullptr, fit)
            : model.Fit(data.train,
                        data.valid.size() > 0 ? &data.valid : nullptr, fit);
    if (!history.ok() && absl::IsCancelled(history.status())) {
      return Interrupted(&model, history.status().message());
    }
    if (!history.ok()) {
      // Found before the first step: the flags' or the data's (exit 2).
      *bad_input =
          model.steps_done() == steps_before &&
          !absl::StrContains(history.status().message(), "training step");
      return history.status();
    }
    outcome.history = *std::move(history);
  }
  if (g_interrupt.load()) {
    return Interrupted(&model, "interrupted after training");
  }
  if (const std::string path = absl::GetFlag(FLAGS_log_csv);
      writer && !path.empty()) {
    RETURN_IF_ERROR(WriteFileAtomically(path, HistoryCsv(outcome.history)));
  }
  if (const std::string path = absl::GetFlag(FLAGS_plot);
      writer && !path.empty()) {
    RETURN_IF_ERROR(WriteTrainingCurves(path, outcome.history, spec.title));
  }
  if (const std::string path = absl::GetFlag(FLAGS_save);
      writer && !path.empty()) {
    RETURN_IF_ERROR(model.Save(path));
  }
  if (const std::string dir = absl::GetFlag(FLAGS_npy_dir);
      writer && !dir.empty()) {
    for (const auto& [name, value] : model.parameters()->Items()) {
      // "conv2d_1/W" -> DIR/conv2d_1_W.npy
      RETURN_IF_ERROR(WriteNpy(
          absl::StrCat(dir, "/", absl::StrReplaceAll(name, {{"/", "_"}}),
                       ".npy"),
          *value));
    }
  }
  if (const std::string path = absl::GetFlag(FLAGS_export_onnx);
      writer && !path.empty()) {
    ASSIGN_OR_RETURN(Trainer::Endpoints endpoints, model.InferenceEndpoints());
    ASSIGN_OR_RETURN(std::string bytes,
                     OnnxModelBytes(*endpoints.graph, *endpoints.store,
                                    {endpoints.input}, {endpoints.output}));
    RETURN_IF_ERROR(WriteOnnxFile(bytes, path));
    std::printf("wrote %s: ONNX opset %lld, %zu bytes\n", path.c_str(),
                static_cast<long long>(kOnnxOpset), bytes.size());
  }
  if (test.has_value()) {
    ASSIGN_OR_RETURN(outcome.test,
                     model.Evaluate(*test, 1000, s.threads, "test", comm));
  } else {
    ASSIGN_OR_RETURN(outcome.test, model.Evaluate(data.test, 1000, spec.loss,
                                                  s.threads, "test", comm));
  }
  outcome.params = model.parameter_count();
  // With several outputs, each output's accuracy and loss first; test_acc
  // is output 0's and test_loss the weighted total.
  if (outcome.test.outputs.size() > 1) {
    for (size_t i = 0; i < outcome.test.outputs.size(); ++i) {
      const std::string name = i < spec.output_names.size()
                                   ? spec.output_names[i]
                                   : absl::StrCat("output", i);
      std::printf("test_acc_%s=%.4f test_loss_%s=%.4f\n", name.c_str(),
                  outcome.test.outputs[i].accuracy, name.c_str(),
                  outcome.test.outputs[i].loss);
    }
  }
  std::printf("test_loss=%.4f test_acc=%.4f params=%lld peak_rss_mb=%.0f\n",
              outcome.test.loss, outcome.test.accuracy,
              static_cast<long long>(outcome.params), PeakRssMegabytes());
  if (model.sync_steps() > 0) {
    std::printf(
        "gradient sync: %.3f ms per step waited after the reverse pass "
        "(%s)\n",
        1e3 * model.sync_finish_seconds() / model.sync_steps(),
        fit.overlap_gradient_sync ? "overlapped with it" : "no overlap");
  }
  if (!std::isfinite(outcome.test.loss)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "test_loss is %g: the trained model computes non-finite losses",
        outcome.test.loss));
  }
  return outcome;
}

absl::Status Run(const ExampleSpec& spec, const Settings& s, Communicator* comm,
                 bool* bad_input) {
  *bad_input = true;
  SetBlasThreads(1);
  absl::StatusOr<MnistSplits> loaded = LoadMnistSplits(
      absl::GetFlag(FLAGS_data_dir), s.train_limit, s.valid_count);
  // One rank that cannot read its data stops every rank, naming it.
  RETURN_IF_ERROR(AgreeOnStatus(comm, loaded.status()));
  MnistSplits data = *std::move(loaded);
  if (comm->size() > 1) {
    std::printf("data parallel: %d ranks (%s), global batch %lld\n",
                comm->size(), comm->name().c_str(),
                static_cast<long long>(s.batch_size));
  }
  std::printf("%s: %lld train, %lld valid, %lld test examples from %s\n",
              spec.name.c_str(), static_cast<long long>(data.train.size()),
              static_cast<long long>(data.valid.size()),
              static_cast<long long>(data.test.size()),
              absl::GetFlag(FLAGS_data_dir).c_str());
  if (spec.sweep.empty()) {
    return TrainOne(spec, s, data, 0, comm, bad_input).status();
  }
  std::string table = absl::StrFormat(
      "%-10s %10s %10s %10s %10s %10s %10s\n", spec.sweep_name, "params",
      "train_loss", "valid_acc", "test_loss", "test_acc", "time_s");
  for (int variant : spec.sweep) {
    std::printf("== %s %s=%d\n", spec.name.c_str(), spec.sweep_name.c_str(),
                variant);
    ASSIGN_OR_RETURN(Outcome o,
                     TrainOne(spec, s, data, variant, comm, bad_input));
    double time_s = 0;
    for (const EpochStats& e : o.history.epochs) time_s += e.time_s;
    const EpochStats last =
        o.history.epochs.empty() ? EpochStats{} : o.history.epochs.back();
    absl::StrAppendFormat(&table,
                          "%-10d %10d %10.4f %10.4f %10.4f %10.4f %10.2f\n",
                          variant, o.params, last.train_loss, last.valid_acc,
                          o.test.loss, o.test.accuracy, time_s);
  }
  std::printf("summary (%s activation):\n%s",
              std::string(ActivationName(s.activation)).c_str(), table.c_str());
  return absl::OkStatus();
}

}  // namespace

int RunExample(int argc, char** argv, const ExampleSpec& spec) {
  // Under mpirun every rank runs this; a plain run is rank 0 of 1.
  absl::StatusOr<std::unique_ptr<Communicator>> created = CreateCommunicator();
  if (!created.ok()) {
    std::fprintf(stderr, "%s: %s\n", spec.name.c_str(),
                 std::string(created.status().message()).c_str());
    return 1;
  }
  Communicator* comm = created->get();
  // Failed(code) is the exit status of a rank that stops with an error the
  // other ranks may not share: if they wait in a collective for it, the job
  // ends anyway (ExitSoonIfStuck, dist/consistency.h), never a hang.
  auto failed = [comm](int code) {
    ExitSoonIfStuck(*comm, code, /*seconds=*/10);
    return code;
  };
  // Only rank 0 prints; errors (stderr) come from every rank.
  if (comm->rank() != 0 && std::freopen("/dev/null", "w", stdout) == nullptr) {
    return failed(1);
  }
  if (comm->size() > 1) {
    // Every rank must run with the same flags.
    std::vector<std::string> args(argv + 1, argv + argc);
    const absl::Status same = CheckSameOnEveryRank(
        comm, "the command-line flags", absl::StrJoin(args, "\n"));
    if (!same.ok()) {
      std::fprintf(stderr, "%s: rank %d: %s\n", spec.name.c_str(), comm->rank(),
                   std::string(same.message()).c_str());
      return failed(2);
    }
  }
  if (absl::Status values = CheckFlagValues(argc, argv); !values.ok()) {
    std::fprintf(stderr, "%s: %s\n", spec.name.c_str(),
                 std::string(values.message()).c_str());
    return failed(2);
  }
  absl::ParseCommandLine(argc, argv);
  absl::StatusOr<Settings> settings = ReadFlags(spec);
  // The outputs are per machine: one rank that cannot write them stops
  // every rank, naming it.
  absl::Status outputs = settings.ok() ? CheckOutputs() : settings.status();
  if (comm->size() > 1) outputs = AgreeOnStatus(comm, outputs);
  if (!outputs.ok()) {
    std::fprintf(stderr, "%s: %s\n", spec.name.c_str(),
                 std::string(outputs.message()).c_str());
    return failed(2);
  }
  InstallInterruptHandlers();
  bool bad_input = false;
  const absl::Status status = Run(spec, *settings, comm, &bad_input);
  if (!status.ok()) {
    std::fflush(stdout);  // The error is the last line a terminal shows.
    std::fprintf(stderr, "%s: %s\n", spec.name.c_str(),
                 std::string(status.message()).c_str());
    if (absl::IsCancelled(status) && g_signal != 0) {
      return failed(128 + g_signal);
    }
    return failed(bad_input ? 2 : 1);
  }
  return 0;
}

}  // namespace dagrad

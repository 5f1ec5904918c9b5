// tests/models/model_roundtrip_main.cc: one half of the fresh-process
// round trip of tests/models/model_roundtrip_test.cc.
//
//   model_roundtrip_main train DIR    trains TwoHeadModel (a skip
//       connection, a Concatenate, two outputs) for 3 epochs, saves
//       DIR/model.ckpt and writes its predictions on fixed inputs as
//       DIR/train_out_<j>.npy
//   model_roundtrip_main predict DIR  builds the same architecture (from
//       another seed), loads DIR/model.ckpt and writes the predictions on
//       the same inputs as DIR/load_out_<j>.npy
// Exit status 0, or 1 with the error on stderr.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "io/npy.h"
#include "tests/models/two_head_model.h"

namespace dagrad {
namespace {

absl::Status Run(const std::string& mode, const std::string& dir) {
  const std::string ckpt = dir + "/model.ckpt";
  std::unique_ptr<Model> model = TwoHeadModel(mode == "train" ? 7 : 123);
  RETURN_IF_ERROR(model->status());
  if (mode == "train") {
    FitOptions fit;
    fit.epochs = 3;
    fit.batch_size = 20;
    fit.lr = 0.1f;
    fit.optimizer = OptimizerKind::kMomentum;
    fit.loss_weights = {1.0f, 0.5f};
    fit.verbose = false;
    MultiDataset train = TwoHeadData(96, 1);
    RETURN_IF_ERROR(model->Fit(train, nullptr, fit).status());
    RETURN_IF_ERROR(model->Save(ckpt));
  } else if (mode == "predict") {
    RETURN_IF_ERROR(model->Load(ckpt));
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown mode '", mode, "' (train or predict)"));
  }
  const MultiDataset probe = TwoHeadData(24, 9);
  ASSIGN_OR_RETURN(std::vector<Tensor> outputs,
                   model->PredictOutputs(probe.inputs, /*batch_size=*/10));
  const std::string prefix = mode == "train" ? "/train_out_" : "/load_out_";
  for (size_t j = 0; j < outputs.size(); ++j) {
    RETURN_IF_ERROR(WriteNpy(absl::StrCat(dir, prefix, j, ".npy"), outputs[j]));
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace dagrad

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s train|predict DIR\n", argv[0]);
    return 1;
  }
  const absl::Status s = dagrad::Run(argv[1], argv[2]);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}

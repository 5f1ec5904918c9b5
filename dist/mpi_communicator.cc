#include "dist/mpi_communicator.h"

#include <mpi.h>

#include <climits>
#include <cstdint>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace dagrad {
namespace {

void FinalizeAtExit() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

// Error() is the Status of a failed MPI call: Unavailable, naming the rank,
// the call and MPI's own message.
absl::Status Error(int rank, const char* call, int code) {
  char message[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, message, &length) != MPI_SUCCESS) length = 0;
  return absl::UnavailableError(absl::StrCat(
      "rank ", rank, ": ", call, " failed: ", std::string(message, length)));
}

#define DAGRAD_MPI_CALL_(rank, call, ...)           \
  do {                                              \
    const int dagrad_mpi_code_ = call(__VA_ARGS__); \
    if (dagrad_mpi_code_ != MPI_SUCCESS) {          \
      return Error(rank, #call, dagrad_mpi_code_);  \
    }                                               \
  } while (false)

// kMaxMessage bounds the elements of one MPI message (MPI counts are int).
constexpr int64_t kMaxMessage = INT_MAX;

// Chunks: chunk c of n elements over `ranks` is [begin(c), begin(c+1)).
struct Chunks {
  std::vector<int> counts;
  std::vector<int> displs;
};

absl::StatusOr<Chunks> ChunksOf(int64_t n, int ranks, int rank) {
  if (n / ranks + 1 > kMaxMessage || n > int64_t{INT_MAX}) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rank ", rank, ": AllreduceSum of ", n,
        " floats is more than one MPI message holds (", kMaxMessage, ")"));
  }
  Chunks c;
  c.counts.resize(ranks);
  c.displs.resize(ranks);
  for (int r = 0; r < ranks; ++r) {
    const int64_t begin = n * r / ranks;
    const int64_t end = n * (r + 1) / ranks;
    c.displs[r] = static_cast<int>(begin);
    c.counts[r] = static_cast<int>(end - begin);
  }
  return c;
}

// TreeOrderSum holds the state of one AllreduceSum: what each rank sends and
// receives in both steps, and the received copies of this rank's chunk.
class TreeOrderSum : public PendingSum {
 public:
  TreeOrderSum(MPI_Comm comm, int rank, int ranks, absl::Span<float> data,
               Chunks chunks)
      : comm_(comm),
        rank_(rank),
        ranks_(ranks),
        data_(data),
        chunks_(std::move(chunks)) {
    const int mine = chunks_.counts[rank_];
    received_.resize(static_cast<size_t>(mine) * ranks_ + 1);
    recv_counts_.assign(ranks_, mine);
    recv_displs_.resize(ranks_);
    for (int r = 0; r < ranks_; ++r) recv_displs_[r] = r * mine;
  }
  ~TreeOrderSum() override {
    if (started_ && !waited_) Wait().IgnoreError();
  }

  // Start() posts the reduce-scatter step.
  absl::Status Start() {
    DAGRAD_MPI_CALL_(rank_, MPI_Ialltoallv, data_.data(), chunks_.counts.data(),
                     chunks_.displs.data(), MPI_FLOAT, received_.data(),
                     recv_counts_.data(), recv_displs_.data(), MPI_FLOAT, comm_,
                     &request_);
    started_ = true;
    return absl::OkStatus();
  }

  // Progress() tests the step under way (MPI_Test drives Open MPI's
  // progress engine); it never starts one, which Advance() does at the
  // same point on every rank.
  absl::Status Progress() override {
    if (waited_ || request_ == MPI_REQUEST_NULL) return absl::OkStatus();
    int done = 0;
    DAGRAD_MPI_CALL_(rank_, MPI_Test, &request_, &done, MPI_STATUS_IGNORE);
    return absl::OkStatus();
  }

  absl::Status Advance() override {
    if (gathering_) return absl::OkStatus();
    DAGRAD_MPI_CALL_(rank_, MPI_Wait, &request_, MPI_STATUS_IGNORE);
    return StartGather();
  }

  absl::Status Wait() override {
    if (waited_) return absl::OkStatus();
    waited_ = true;
    RETURN_IF_ERROR(Advance());
    DAGRAD_MPI_CALL_(rank_, MPI_Wait, &request_, MPI_STATUS_IGNORE);
    return absl::OkStatus();
  }

 private:
  // StartGather() sums this rank's chunk in tree order and posts the
  // allgather of the chunks.
  absl::Status StartGather() {
    const int mine = chunks_.counts[rank_];
    SumInTreeOrder(received_.data(), ranks_, mine, mine);
    DAGRAD_MPI_CALL_(rank_, MPI_Iallgatherv, received_.data(), mine, MPI_FLOAT,
                     data_.data(), chunks_.counts.data(), chunks_.displs.data(),
                     MPI_FLOAT, comm_, &request_);
    gathering_ = true;
    return absl::OkStatus();
  }

  MPI_Comm comm_;
  int rank_;
  int ranks_;
  absl::Span<float> data_;
  Chunks chunks_;
  std::vector<float> received_;
  std::vector<int> recv_counts_;
  std::vector<int> recv_displs_;
  MPI_Request request_ = MPI_REQUEST_NULL;
  bool started_ = false;
  bool waited_ = false;
  bool gathering_ = false;  // The allgather is posted.
};

}  // namespace

struct MpiCommunicator::Handle {
  MPI_Comm comm = MPI_COMM_NULL;
};

absl::StatusOr<std::unique_ptr<Communicator>> MpiCommunicator::Create() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) !=
        MPI_SUCCESS) {
      return absl::UnavailableError("MPI_Init_thread failed");
    }
    std::atexit(FinalizeAtExit);
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  auto handle = std::make_unique<Handle>();
  DAGRAD_MPI_CALL_(rank, MPI_Comm_dup, MPI_COMM_WORLD, &handle->comm);
  DAGRAD_MPI_CALL_(rank, MPI_Comm_set_errhandler, handle->comm,
                   MPI_ERRORS_RETURN);
  return std::unique_ptr<Communicator>(
      new MpiCommunicator(std::move(handle), rank, size));
}

MpiCommunicator::MpiCommunicator(std::unique_ptr<Handle> handle, int rank,
                                 int size)
    : handle_(std::move(handle)), rank_(rank), size_(size) {}

MpiCommunicator::~MpiCommunicator() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized && handle_->comm != MPI_COMM_NULL) {
    MPI_Comm_free(&handle_->comm);
  }
}

absl::Status MpiCommunicator::CheckRoot(int root) const {
  if (root < 0 || root >= size_) {
    return absl::InvalidArgumentError(
        absl::StrCat("rank ", rank_, " of ", size_, " (mpi): broadcast root ",
                     root, " is not a rank"));
  }
  return absl::OkStatus();
}

absl::Status MpiCommunicator::AllreduceSum(absl::Span<float> data) {
  ASSIGN_OR_RETURN(std::unique_ptr<PendingSum> sum, StartAllreduceSum(data));
  return sum->Wait();
}

absl::StatusOr<std::unique_ptr<PendingSum>> MpiCommunicator::StartAllreduceSum(
    absl::Span<float> data) {
  ASSIGN_OR_RETURN(Chunks chunks,
                   ChunksOf(static_cast<int64_t>(data.size()), size_, rank_));
  auto sum = std::make_unique<TreeOrderSum>(handle_->comm, rank_, size_, data,
                                            std::move(chunks));
  RETURN_IF_ERROR(sum->Start());
  return std::unique_ptr<PendingSum>(std::move(sum));
}

absl::Status MpiCommunicator::Broadcast(absl::Span<float> data, int root) {
  RETURN_IF_ERROR(CheckRoot(root));
  for (size_t done = 0; done < data.size();) {
    const int count = static_cast<int>(
        std::min<size_t>(data.size() - done, static_cast<size_t>(INT_MAX)));
    DAGRAD_MPI_CALL_(rank_, MPI_Bcast, data.data() + done, count, MPI_FLOAT,
                     root, handle_->comm);
    done += static_cast<size_t>(count);
  }
  return absl::OkStatus();
}

absl::Status MpiCommunicator::BroadcastBytes(std::string* bytes, int root) {
  RETURN_IF_ERROR(CheckRoot(root));
  int64_t length = static_cast<int64_t>(bytes->size());
  DAGRAD_MPI_CALL_(rank_, MPI_Bcast, &length, 1, MPI_INT64_T, root,
                   handle_->comm);
  if (length > INT_MAX) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rank ", rank_, ": BroadcastBytes of ", length, " bytes is too long"));
  }
  bytes->resize(static_cast<size_t>(length));
  DAGRAD_MPI_CALL_(rank_, MPI_Bcast, bytes->data(), static_cast<int>(length),
                   MPI_BYTE, root, handle_->comm);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> MpiCommunicator::AllgatherBytes(
    const std::string& mine) {
  if (mine.size() > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError(
        absl::StrCat("rank ", rank_, ": AllgatherBytes of ", mine.size(),
                     " bytes is too long"));
  }
  const int length = static_cast<int>(mine.size());
  std::vector<int> lengths(size_);
  DAGRAD_MPI_CALL_(rank_, MPI_Allgather, &length, 1, MPI_INT, lengths.data(), 1,
                   MPI_INT, handle_->comm);
  std::vector<int> displs(size_);
  int64_t total = 0;
  for (int r = 0; r < size_; ++r) {
    displs[r] = static_cast<int>(total);
    total += lengths[r];
    if (total > INT_MAX) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rank ", rank_, ": AllgatherBytes of ", total, " bytes in all"));
    }
  }
  std::string all(static_cast<size_t>(total), '\0');
  DAGRAD_MPI_CALL_(rank_, MPI_Allgatherv, mine.data(), length, MPI_BYTE,
                   all.data(), lengths.data(), displs.data(), MPI_BYTE,
                   handle_->comm);
  std::vector<std::string> out(size_);
  for (int r = 0; r < size_; ++r) out[r] = all.substr(displs[r], lengths[r]);
  return out;
}

absl::Status MpiCommunicator::Barrier() {
  DAGRAD_MPI_CALL_(rank_, MPI_Barrier, handle_->comm);
  return absl::OkStatus();
}

}  // namespace dagrad

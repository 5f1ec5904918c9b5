#include "core/gemm.h"

#include <cblas.h>

#include <cassert>
#include <limits>

#include "absl/strings/str_cat.h"

extern "C" {
// Declared by OpenBLAS's cblas.h in some builds; repeated here so the
// dependency is explicit.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char* openblas_get_corename(void);
char* openblas_get_config(void);
}

namespace dagrad {
namespace {

// OpenBLAS starts its pool at the core count; dagrad wants one thread unless
// asked. This runs once, before main().
const bool kBlasThreadsInitialized = [] {
  openblas_set_num_threads(1);
  return true;
}();

}  // namespace

absl::Status Gemm(bool trans_a, bool trans_b, float alpha, const Tensor& a,
                  const Tensor& b, float beta, Tensor* c) {
  const Shape& sa = a.shape();
  const Shape& sb = b.shape();
  const Shape& sc = c->shape();
  auto error = [&](const char* what) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Gemm(trans_a=", trans_a, ", trans_b=", trans_b, "): ", what, "; A",
        sa.DebugString(), " B", sb.DebugString(), " C", sc.DebugString()));
  };
  if (sa.rank() != 2 || sb.rank() != 2 || sc.rank() != 2) {
    return error("A, B and C must be rank 2");
  }
  const int64_t m = trans_a ? sa.dim(1) : sa.dim(0);
  const int64_t k = trans_a ? sa.dim(0) : sa.dim(1);
  const int64_t kb = trans_b ? sb.dim(1) : sb.dim(0);
  const int64_t n = trans_b ? sb.dim(0) : sb.dim(1);
  if (k != kb) return error("inner dimensions of op(A) and op(B) differ");
  if (sc.dim(0) != m || sc.dim(1) != n) {
    return error("C is not [rows of op(A), columns of op(B)]");
  }
  constexpr int64_t kMaxBlasInt = std::numeric_limits<int>::max();
  if (m > kMaxBlasInt || n > kMaxBlasInt || k > kMaxBlasInt ||
      a.size() > kMaxBlasInt || b.size() > kMaxBlasInt ||
      c->size() > kMaxBlasInt) {
    return error("dimensions exceed the 32-bit BLAS interface");
  }
  GemmRaw(trans_a, trans_b, m, n, k, alpha, a.data(), sa.dim(1), b.data(),
          sb.dim(1), beta, c->data(), n);
  return absl::OkStatus();
}

void GemmRaw(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
             float alpha, const float* a, int64_t lda, const float* b,
             int64_t ldb, float beta, float* c, int64_t ldc) {
  (void)kBlasThreadsInitialized;
  if (m == 0 || n == 0) return;
  if (k == 0) {
    // BLAS leaves C untouched for k == 0 only when beta == 1; be explicit.
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
      }
    }
    return;
  }
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, static_cast<int>(m),
              static_cast<int>(n), static_cast<int>(k), alpha, a,
              static_cast<int>(lda), b, static_cast<int>(ldb), beta, c,
              static_cast<int>(ldc));
}

void SetBlasThreads(int num_threads) {
  assert(num_threads >= 1);
  openblas_set_num_threads(num_threads);
}

int BlasThreads() { return openblas_get_num_threads(); }

std::string BlasCoreType() { return openblas_get_corename(); }

std::string BlasConfig() { return openblas_get_config(); }

}  // namespace dagrad

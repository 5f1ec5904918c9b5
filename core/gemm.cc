#include "core/gemm.h"

#include <cblas.h>
#include <libxsmm.h>

#include <cassert>
#include <limits>

#include "absl/strings/str_cat.h"
#include "oneapi/dnnl/dnnl.h"

extern "C" {
// Declared by OpenBLAS's cblas.h in some builds; repeated here so the
// dependency is explicit.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char* openblas_get_corename(void);
char* openblas_get_config(void);
// libgomp, the OpenMP runtime Debian's oneDNN is built on.
void omp_set_num_threads(int num_threads);
}

namespace dagrad {
namespace {

// OpenBLAS starts its pool at the core count; dagrad wants one thread unless
// asked. This runs once, before main().
const bool kBlasThreadsInitialized = [] {
  openblas_set_num_threads(1);
  return true;
}();

// DnnlOneThread() sets the calling thread's OpenMP thread count to 1 the
// first time the thread calls oneDNN: dnnl_sgemm then runs inline on it
// (the count is a per-thread OpenMP setting, so each of dagrad's pool
// threads sets its own).
void DnnlOneThread() {
  thread_local const bool kOneThread = [] {
    omp_set_num_threads(1);
    return true;
  }();
  (void)kOneThread;
}

// LibxsmmKernel() is LIBXSMM's kernel for the call, or null. LIBXSMM is
// column-major: row-major C = op(A) op(B) is column-major
// C^T = op(B)^T op(A)^T, so its "A" is our B (its TRANS_A our trans_b) and
// its "B" our A. Its 1.17 JIT has no transposed-"A" kernels (our trans_b).
libxsmm_smmfunction LibxsmmKernel(bool trans_a, bool trans_b, int64_t m,
                                  int64_t n, int64_t k, float alpha, float beta,
                                  int64_t lda, int64_t ldb, int64_t ldc) {
  constexpr int64_t kMaxMnk = int64_t{1} << 25;
  if (trans_b || alpha != 1.0f || (beta != 0.0f && beta != 1.0f) ||
      m > kMaxMnk || n > kMaxMnk || k > kMaxMnk || m * n > kMaxMnk ||
      m * n * k > kMaxMnk) {
    return nullptr;
  }
  static const bool kInitialized = [] {
    libxsmm_init();
    return true;
  }();
  (void)kInitialized;
  const libxsmm_blasint xm = n, xn = m, xk = k;
  const libxsmm_blasint xlda = ldb, xldb = lda, xldc = ldc;
  const int flags = (trans_a ? LIBXSMM_GEMM_FLAG_TRANS_B : 0) |
                    (beta == 0.0f ? LIBXSMM_GEMM_FLAG_BETA_0 : 0);
  return libxsmm_smmdispatch(xm, xn, xk, &xlda, &xldb, &xldc, &alpha, &beta,
                             &flags, /*prefetch=*/nullptr);
}

void DnnlSgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
               float alpha, const float* a, int64_t lda, const float* b,
               int64_t ldb, float beta, float* c, int64_t ldc) {
  DnnlOneThread();
  // dnnl_sgemm is row-major, like GemmRaw.
  const dnnl_status_t status =
      dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a,
                 lda, b, ldb, beta, c, ldc);
  assert(status == dnnl_success);
  (void)status;
}

}  // namespace

const char* GemmLibraryName(GemmLibrary library) {
  switch (library) {
    case GemmLibrary::kOpenBlas:
      return "OpenBLAS";
    case GemmLibrary::kDnnl:
      return "oneDNN";
    case GemmLibrary::kLibxsmm:
      return "LIBXSMM";
  }
  return "?";
}

bool LibxsmmHasKernel(bool trans_a, bool trans_b, int64_t m, int64_t n,
                      int64_t k, float alpha, float beta, int64_t lda,
                      int64_t ldb, int64_t ldc) {
  return LibxsmmKernel(trans_a, trans_b, m, n, k, alpha, beta, lda, ldb, ldc) !=
         nullptr;
}

GemmLibrary GemmLibraryFor(bool trans_a, bool trans_b, int64_t m, int64_t n,
                           int64_t k, float alpha, float beta, int64_t lda,
                           int64_t ldb, int64_t ldc) {
  return LibxsmmHasKernel(trans_a, trans_b, m, n, k, alpha, beta, lda, ldb, ldc)
             ? GemmLibrary::kLibxsmm
             : GemmLibrary::kDnnl;
}

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
  if (m > 0 && n > 0 && k > 0) {
    const libxsmm_smmfunction kernel =
        LibxsmmKernel(trans_a, trans_b, m, n, k, alpha, beta, lda, ldb, ldc);
    if (kernel != nullptr) {
      kernel(b, a, c);
      return;
    }
  }
  GemmRawWith(GemmLibrary::kDnnl, trans_a, trans_b, m, n, k, alpha, a, lda, b,
              ldb, beta, c, ldc);
}

void GemmRawWith(GemmLibrary library, bool trans_a, bool trans_b, int64_t m,
                 int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                 const float* b, int64_t ldb, float beta, float* c,
                 int64_t ldc) {
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
  if (library == GemmLibrary::kLibxsmm) {
    const libxsmm_smmfunction kernel =
        LibxsmmKernel(trans_a, trans_b, m, n, k, alpha, beta, lda, ldb, ldc);
    assert(kernel != nullptr);
    kernel(b, a, c);
    return;
  }
  if (library == GemmLibrary::kDnnl) {
    DnnlSgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
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

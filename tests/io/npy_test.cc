#include "io/npy.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace dagrad {
namespace {

std::string HeaderOf(const std::string& npy) {
  const size_t len = static_cast<unsigned char>(npy[8]) |
                     static_cast<size_t>(static_cast<unsigned char>(npy[9]))
                         << 8;
  return npy.substr(10, len);
}

TEST(NpyTest, HeaderAndDataFollowFormat1) {
  const Tensor t = Tensor::FromValues(Shape({2, 3}), {1, 2, 3, 4, 5, -6.5f});
  const std::string npy = EncodeNpy(t);
  EXPECT_EQ(npy.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const std::string header = HeaderOf(npy);
  EXPECT_EQ(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': "
                         "(2, 3), }",
                         0),
            0u)
      << header;
  EXPECT_EQ(header.back(), '\n');
  EXPECT_EQ((10 + header.size()) % 64, 0u);
  ASSERT_EQ(npy.size(), 10 + header.size() + 6 * sizeof(float));
  float back[6];
  std::memcpy(back, npy.data() + 10 + header.size(), sizeof(back));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(back[i], t[i]);
}

TEST(NpyTest, VectorAndScalarShapes) {
  EXPECT_NE(HeaderOf(EncodeNpy(Tensor::Zeros(Shape({5})))).find("(5,)"),
            std::string::npos);
  EXPECT_NE(HeaderOf(EncodeNpy(Tensor::Zeros(Shape()))).find("'shape': ()"),
            std::string::npos);
  EXPECT_NE(HeaderOf(EncodeNpy(Tensor::Zeros(Shape({6, 1, 5, 5}))))
                .find("(6, 1, 5, 5)"),
            std::string::npos);
}

TEST(NpyTest, WriteNpyWritesTheFile) {
  const std::string path = absl::StrCat(std::getenv("TEST_TMPDIR"), "/w.npy");
  const Tensor t = Tensor::FromValues(Shape({3}), {0.5f, 1.5f, 2.5f});
  ASSERT_TRUE(WriteNpy(path, t).ok());
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), EncodeNpy(t));
  EXPECT_FALSE(WriteNpy("/nonexistent/dir/w.npy", t).ok());
}

}  // namespace
}  // namespace dagrad

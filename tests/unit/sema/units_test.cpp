#include <gtest/gtest.h>

#include "sema/units.h"

using namespace ward::sema;

TEST(SemaUnits, Integers) {
  EXPECT_EQ(parseInteger("42").value, 42u);
  EXPECT_EQ(parseInteger("0x1f").value, 31u);
  EXPECT_EQ(parseInteger("0o755").value, 0755u);
  EXPECT_EQ(parseInteger("0b101").value, 5u);
  EXPECT_EQ(parseInteger("18446744073709551615").value, ~0ULL);
  EXPECT_EQ(parseInteger("18446744073709551616").error, NumError::Overflow);
  EXPECT_EQ(parseInteger("0x10000000000000000").error, NumError::Overflow);
  EXPECT_EQ(parseInteger("0o8").error, NumError::Syntax);
  EXPECT_EQ(parseInteger("").error, NumError::Syntax);
}

TEST(SemaUnits, BinaryAndDecimalSizes) {
  EXPECT_EQ(parseBytes("512", "MiB").value, 512ULL << 20);
  EXPECT_EQ(parseBytes("64", "KiB").value, 64ULL << 10);
  EXPECT_EQ(parseBytes("2", "GiB").value, 2ULL << 30);
  EXPECT_EQ(parseBytes("1", "TiB").value, 1ULL << 40);
  EXPECT_EQ(parseBytes("3", "K").value, 3ULL << 10);
  EXPECT_EQ(parseBytes("3", "M").value, 3ULL << 20);
  EXPECT_EQ(parseBytes("3", "G").value, 3ULL << 30);
  EXPECT_EQ(parseBytes("2", "KB").value, 2000u);
  EXPECT_EQ(parseBytes("2", "MB").value, 2000000u);
  EXPECT_EQ(parseBytes("2", "GB").value, 2000000000u);
  EXPECT_EQ(parseBytes("17", "B").value, 17u);
  EXPECT_EQ(parseBytes("17", "").value, 17u);
  EXPECT_EQ(parseBytes("1", "Mb").error, NumError::BadUnit);
  EXPECT_EQ(parseBytes("1", "TB").error, NumError::BadUnit);
}

TEST(SemaUnits, ExactDecimalSizes) {
  EXPECT_EQ(parseBytes("1.5", "GiB").value, 3ULL << 29);
  EXPECT_EQ(parseBytes("0.5", "KiB").value, 512u);
  EXPECT_EQ(parseBytes("1.1", "KB").value, 1100u);
  EXPECT_EQ(parseBytes("0.3", "B").error, NumError::NotWhole);
  EXPECT_EQ(parseBytes("0.0001", "KiB").error, NumError::NotWhole);
}

TEST(SemaUnits, OverflowEdges) {
  // 2^64 - 1 bytes fits; 16 EiB (2^64) does not.
  EXPECT_EQ(parseBytes("18446744073709551615", "B").value, ~0ULL);
  EXPECT_EQ(parseBytes("16777215", "TiB").value, 16777215ULL << 40);
  EXPECT_EQ(parseBytes("16777216", "TiB").error, NumError::Overflow);
  EXPECT_EQ(parseBytes("17179869184", "GiB").error, NumError::Overflow);
  EXPECT_EQ(parseBytes("17179869183.5", "GiB").value, (17179869183ULL << 30) + (1ULL << 29));
  EXPECT_EQ(parseBytes("18446744073709551.616", "KB").error, NumError::Overflow);
  EXPECT_EQ(parseBytes("18446744073709551.615", "KB").value, ~0ULL);
}

TEST(SemaUnits, CpuQuotaIsExact) {
  EXPECT_EQ(parseCpuQuota("1.5").value, 150000u);
  EXPECT_EQ(parseCpuQuota("0.25").value, 25000u);
  EXPECT_EQ(parseCpuQuota("2").value, 200000u);
  EXPECT_EQ(parseCpuQuota("0.1").value, 10000u);   // 0.1 is not exact in binary floating point
  EXPECT_EQ(parseCpuQuota("0.3").value, 30000u);
  EXPECT_EQ(parseCpuQuota("0.00001").value, 1u);
  EXPECT_EQ(parseCpuQuota("0.000001").error, NumError::NotWhole);
  EXPECT_EQ(parseCpuQuota("184467440737095.51615").value, ~0ULL);
  EXPECT_EQ(parseCpuQuota("184467440737096").error, NumError::Overflow);
  EXPECT_EQ(parseCpuQuota("1.2.3").error, NumError::Syntax);
}

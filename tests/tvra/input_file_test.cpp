// Reading a file the user named: the code tells the user's path (kNotFound, kInvalid for a
// directory) from the system failing to read it (kUnavailable), which the CLI turns into exit
// 2 or 1.
#include "tvra/input_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include <unistd.h>

namespace imsguard::tvra {
namespace {

TEST(InputFile, ReadsTheWholeFile) {
  std::string path = ::testing::TempDir() + "imsguard-input-" + std::to_string(::getpid()) + ".yaml";
  std::string text(100'000, 'x');  // more than one read
  text += "\nend\n";
  std::ofstream(path, std::ios::binary) << text;
  auto read = read_input_file(path);
  ::unlink(path.c_str());
  ASSERT_TRUE(read.ok()) << read.message();
  EXPECT_EQ(*read, text);
}

TEST(InputFile, NoSuchFileIsNotFoundADirectoryInvalid) {
  auto missing = read_input_file("/nonexistent/imsguard/model.yaml");
  EXPECT_EQ(missing.code(), Code::kNotFound);
  EXPECT_EQ(missing.message(), "cannot read /nonexistent/imsguard/model.yaml: No such file or directory");
  auto dir = read_input_file("/");
  EXPECT_EQ(dir.code(), Code::kInvalid);
  EXPECT_EQ(dir.message(), "cannot read /: Is a directory");
}

// A file that opens but cannot be read (reading this process's memory at address 0 fails with
// EIO): the system's fault, not the path's.
TEST(InputFile, AReadErrorIsUnavailable) {
  auto read = read_input_file("/proc/self/mem");
  EXPECT_EQ(read.code(), Code::kUnavailable);
  EXPECT_EQ(read.message(), "cannot read /proc/self/mem: Input/output error");
  Diagnostic d = unreadable("/proc/self/mem", "model file", read.status());
  EXPECT_EQ(d.to_string(), "/proc/self/mem: error: cannot read the model file: Input/output error (hint: check the path)");
}

// An endless input (a device, a pipe that never closes) is refused after the cap, not read
// until memory runs out.
TEST(InputFile, AnInputOverTheCapIsInvalidAndNotReadToTheEnd) {
  auto endless = read_input_file("/dev/zero");
  EXPECT_EQ(endless.code(), Code::kInvalid);
  EXPECT_EQ(endless.message(), "cannot read /dev/zero: larger than 16 MiB (not a TVRA input)");
}

}  // namespace
}  // namespace imsguard::tvra

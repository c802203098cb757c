// tvra::load, which `imsguard tvra` and `imsguard audit` use: the code of a failure says whose
// fault it is (the CLI exits with cli::exit_status_for(code)): a missing file is kNotFound, a
// user's file that is wrong kInvalid (even when what fails is the embedded model, against the
// user's tables), and nothing is returned half-loaded.
#include "tvra/run.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include <unistd.h>

namespace imsguard::tvra {
namespace {

std::string temp_file(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + "imsguard-run-" + std::to_string(::getpid()) + "-" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(TvraLoad, EmbeddedInputsLoad) {
  Loaded l = load({});
  ASSERT_TRUE(l.ok()) << l.status.message();
  EXPECT_TRUE(l.status.ok());
  EXPECT_TRUE(l.errors.empty());
}

TEST(TvraLoad, AMissingModelOrRegisterIsNotFound) {
  Loaded model = load({"", "/nonexistent/imsguard/model.yaml", "", "t"});
  EXPECT_FALSE(model.ok());
  EXPECT_EQ(model.status.code(), Code::kNotFound);
  ASSERT_EQ(model.errors.size(), 1u);
  EXPECT_EQ(model.errors.front().to_string(),
            "/nonexistent/imsguard/model.yaml: error: cannot read the model file: No such file or directory (hint: check the path)");
  EXPECT_FALSE(model.tables);  // nothing half-loaded
  Loaded risks = load({"", "", "/nonexistent/imsguard/risks.yaml", "t"});
  EXPECT_FALSE(risks.ok());
  EXPECT_EQ(risks.status.code(), Code::kNotFound);
  EXPECT_NE(risks.status.message().find("cannot read the risk register"), std::string::npos) << risks.status.message();
}

TEST(TvraLoad, AUsersBrokenFileIsInvalid) {
  std::string model(embedded_model_yaml());
  model.replace(model.find("interface: "), 11, "interface: X-");
  std::string path = temp_file("model.yaml", model);
  Loaded l = load({"", path, "", "t"});
  ::unlink(path.c_str());
  EXPECT_FALSE(l.ok());
  EXPECT_EQ(l.status.code(), Code::kInvalid);
  ASSERT_FALSE(l.errors.empty());
  EXPECT_EQ(l.errors.front().file, path);
}

// The embedded model is sound against the embedded tables; when it fails against tables the
// user supplied, the user's tables are at fault: kInvalid, not kInternal.
TEST(TvraLoad, TheEmbeddedModelFailingAgainstTheUsersTablesIsInvalid) {
  std::string tables(embedded_tables_yaml());
  auto at = tables.find("id: layman");
  ASSERT_NE(at, std::string::npos);
  tables.replace(at, 10, "id: novice");
  std::string path = temp_file("tables.yaml", tables);
  Loaded l = load({path, "", "", "t"});
  ::unlink(path.c_str());
  EXPECT_FALSE(l.ok());
  EXPECT_EQ(l.status.code(), Code::kInvalid);
  ASSERT_FALSE(l.errors.empty());
  EXPECT_EQ(l.errors.front().file, "<embedded ims.yaml>");
  EXPECT_NE(l.status.message().find("'layman' is not a level of factor 'expertise'"), std::string::npos)
      << l.status.message();
}

}  // namespace
}  // namespace imsguard::tvra

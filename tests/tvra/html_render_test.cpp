// The HTML report opens in headless Chromium and its screenshot is a real, non-empty PNG.
// Bounded: Chromium is killed after 90 s. Skipped (with the reason) only where the Debian
// chromium package is not installed.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "run_process.h"
#include "tvra/report.h"

namespace imsguard::tvra {
namespace {

const char* kChromium = "/usr/bin/chromium";

TEST(HtmlReport, RendersInHeadlessChromium) {
  struct stat st {};
  if (stat(kChromium, &st) != 0) GTEST_SKIP() << kChromium << " is not installed (Debian package chromium)";
  auto t = load_embedded_tables();
  ASSERT_TRUE(t.ok());
  auto m = load_embedded_model(*t.tables);
  ASSERT_TRUE(m.ok());
  Analysis a = analyse(*m.model, *t.tables, applied_in_model(*m.model));
  std::string dir = testing::temp_dir();
  std::string html = dir + "/report.html", png = dir + "/report.png";
  std::ofstream(html) << render_html(*m.model, *t.tables, a);
  auto r = testing::run({kChromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + dir + "/profile",
                         "--screenshot=" + png, "--window-size=1280,2000", "file://" + html},
                        std::chrono::seconds(90));
  ASSERT_EQ(r.status, 0) << "chromium: " << r.err.substr(0, 2000);
  std::string bytes = testing::slurp(png);
  ASSERT_GT(bytes.size(), 20000u) << "screenshot too small to show the report";
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  // IHDR: width and height as written by the screenshot.
  auto be32 = [&](size_t at) {
    return (static_cast<unsigned>(static_cast<unsigned char>(bytes[at])) << 24) |
           (static_cast<unsigned>(static_cast<unsigned char>(bytes[at + 1])) << 16) |
           (static_cast<unsigned>(static_cast<unsigned char>(bytes[at + 2])) << 8) |
           static_cast<unsigned>(static_cast<unsigned char>(bytes[at + 3]));
  };
  EXPECT_EQ(be32(16), 1280u);
  EXPECT_EQ(be32(20), 2000u);
}

}  // namespace
}  // namespace imsguard::tvra

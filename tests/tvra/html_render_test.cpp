// The HTML report opens in headless Chromium and its screenshot is a real, non-empty PNG.
// Bounded: Chromium is killed after 90 s. Skipped (with the reason) only where the Debian
// chromium package is not installed.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "run_process.h"
#include "tvra/audit.h"
#include "tvra/report.h"

namespace imsguard::tvra {
namespace {

const char* kChromium = "/usr/bin/chromium";

// Renders `html` in headless Chromium to a 1280x2000 screenshot; returns the PNG bytes.
std::string screenshot(const std::string& html_text, const std::string& name) {
  std::string dir = testing::temp_dir();
  std::string html = dir + "/" + name + ".html", png = dir + "/" + name + ".png";
  std::ofstream(html) << html_text;
  auto r = testing::run({kChromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + dir + "/profile",
                         "--screenshot=" + png, "--window-size=1280,2000", "file://" + html},
                        std::chrono::seconds(90));
  EXPECT_EQ(r.status, 0) << "chromium: " << r.err.substr(0, 2000);
  return testing::slurp(png);
}

void expect_png(const std::string& bytes) {
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

TEST(HtmlReport, RendersInHeadlessChromium) {
  struct stat st {};
  if (stat(kChromium, &st) != 0) GTEST_SKIP() << kChromium << " is not installed (Debian package chromium)";
  auto t = load_embedded_tables();
  ASSERT_TRUE(t.ok());
  auto m = load_embedded_model(*t.tables);
  ASSERT_TRUE(m.ok());
  Analysis a = analyse(*m.model, *t.tables, applied_in_model(*m.model));
  ReportContext ctx;
  ctx.gate = evaluate_gate(a, nullptr, "2026-12-01");
  expect_png(screenshot(render_html(*m.model, *t.tables, a, ctx), "tvra"));
}

// Point 6: the audit HTML of the lab profile: the verdict first, then the next steps ordered by
// critical risks cleared, each with what users notice; rendered by Chromium.
TEST(HtmlReport, AuditReportLeadsWithTheVerdictAndRendersInChromium) {
  struct stat st {};
  if (stat(kChromium, &st) != 0) GTEST_SKIP() << kChromium << " is not installed (Debian package chromium)";
  auto t = load_embedded_tables();
  ASSERT_TRUE(t.ok());
  auto m = load_embedded_model(*t.tables);
  ASSERT_TRUE(m.ok());
  auto cfg = config::load_default();
  ASSERT_TRUE(cfg.ok());
  AuditResult r = audit(*cfg.config, {"lab", "config/imsguard.yaml", std::string(config::default_yaml())}, *m.model, *t.tables);
  ReportContext ctx;
  ctx.gate = evaluate_gate(r.analysis, nullptr, "2026-12-01");
  ASSERT_FALSE(ctx.gate.pass);
  std::string html = render_html(r.model, *t.tables, r.analysis, ctx, &r);
  auto verdict = html.find("id=\"verdict\"");
  ASSERT_NE(verdict, std::string::npos);
  EXPECT_LT(verdict, html.find("<h2"));
  EXPECT_LT(html.find("id=\"next\""), html.find("Interfaces by residual risk"));
  EXPECT_NE(html.substr(verdict, 2000).find("IC-EAVESDROP: critical residual risk"), std::string::npos);
  ASSERT_GE(r.next.size(), 2u);
  for (size_t k = 1; k < r.next.size(); ++k) EXPECT_GE(r.next[k - 1].criticals_removed, r.next[k].criticals_removed);
  EXPECT_NE(html.find("refused with 488 Not Acceptable Here"), std::string::npos);  // srtp-mandatory's consequence
  EXPECT_NE(html.find("can no longer register"), std::string::npos);               // tls-only's consequence
  expect_png(screenshot(html, "audit"));
}

}  // namespace
}  // namespace imsguard::tvra

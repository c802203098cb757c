#include "guard/lockouts.h"

#include <algorithm>
#include <cctype>

namespace imsguard::guard {

namespace {

bool same_subject(const Lockout& l, Lockout::Kind kind, std::string_view subject) {
  if (l.kind != kind || l.subject.size() != subject.size()) return false;
  for (size_t i = 0; i < subject.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(l.subject[i])) != std::tolower(static_cast<unsigned char>(subject[i])))
      return false;
  return true;
}

}  // namespace

std::string Lockout::to_string(int64_t now_ms) const {
  int64_t left_s = std::max<int64_t>(0, (until_ms - now_ms + 999) / 1000);
  return std::string("lockout ") + std::string(kind_name()) + " " + subject + "  locked " + std::to_string(left_s) +
         " s more  reason: " + reason;
}

void LockoutList::add(Lockout lockout, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  for (auto& l : entries_) {
    if (same_subject(l, lockout.kind, lockout.subject)) {
      l.until_ms = std::max(l.until_ms, lockout.until_ms);
      l.reason = std::move(lockout.reason);
      l.slot_key = lockout.slot_key;
      return;
    }
  }
  if (entries_.size() >= capacity_) {
    std::erase_if(entries_, [&](const Lockout& l) { return l.until_ms <= now_ms; });
    if (entries_.size() >= capacity_) {
      auto soonest = std::min_element(entries_.begin(), entries_.end(),
                                      [](const Lockout& a, const Lockout& b) { return a.until_ms < b.until_ms; });
      if (soonest->until_ms > lockout.until_ms) return;  // the new one ends first: not listed
      entries_.erase(soonest);
    }
  }
  entries_.push_back(std::move(lockout));
}

std::vector<Lockout> LockoutList::list(int64_t now_ms) const {
  std::vector<Lockout> out;
  {
    std::lock_guard lock(mutex_);
    for (const auto& l : entries_)
      if (l.until_ms > now_ms) out.push_back(l);
  }
  std::sort(out.begin(), out.end(), [](const Lockout& a, const Lockout& b) { return a.until_ms < b.until_ms; });
  return out;
}

std::optional<Lockout> LockoutList::remove(Lockout::Kind kind, std::string_view subject) {
  std::lock_guard lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (same_subject(*it, kind, subject)) {
      Lockout out = std::move(*it);
      entries_.erase(it);
      return out;
    }
  }
  return std::nullopt;
}

size_t LockoutList::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace imsguard::guard

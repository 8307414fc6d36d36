#ifndef MISC_SRC_AUTH_VIEWER_H_
#define MISC_SRC_AUTH_VIEWER_H_

#include <cstdint>
#include <optional>

namespace misc::auth {

// Who is asking: an anonymous caller, or a logged-in user with a positive user id. Cheap to
// copy; services take it by value.
class Viewer {
 public:
  // Returns the anonymous viewer (no authorization metadata).
  static Viewer Anonymous() { return Viewer(0); }

  // Returns the viewer for logged-in user `user_id`. A non-positive id is not a user: it gives
  // the anonymous viewer, so a bug can only ever lose access, never gain it.
  static Viewer User(int64_t user_id) { return Viewer(user_id > 0 ? user_id : 0); }

  // Returns true for the anonymous viewer.
  bool is_anonymous() const { return user_id_ == 0; }

  // Returns the logged-in user's id, or std::nullopt for the anonymous viewer.
  std::optional<int64_t> user_id() const {
    if (is_anonymous()) return std::nullopt;
    return user_id_;
  }

  // Two viewers are equal when both are anonymous or both are the same user.
  friend bool operator==(const Viewer&, const Viewer&) = default;

 private:
  explicit Viewer(int64_t user_id) : user_id_(user_id) {}

  int64_t user_id_;  // 0 for anonymous.
};

}  // namespace misc::auth

#endif  // MISC_SRC_AUTH_VIEWER_H_

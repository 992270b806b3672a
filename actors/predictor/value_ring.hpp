// value_ring.hpp -- a fixed-capacity ring of doubles: the newest `capacity`
// values pushed, oldest first. All storage is allocated by the constructor, so
// pushing never allocates.
#pragma once

#include <cstddef>
#include <vector>

namespace conductor {

class value_ring {
public:
  /// Keeps the last `capacity` values (at least one).
  explicit value_ring(size_t capacity) : buf_(capacity > 0 ? capacity : 1) {
  }

  /// Appends `value`, dropping the oldest value when full.
  void push(double value) {
    if (size_ < buf_.size()) {
      buf_[wrap(head_ + size_)] = value;
      ++size_;
    } else {
      buf_[head_] = value;
      head_ = wrap(head_ + 1);
    }
  }

  size_t size() const {
    return size_;
  }

  size_t capacity() const {
    return buf_.size();
  }

  bool empty() const {
    return size_ == 0;
  }

  bool full() const {
    return size_ == buf_.size();
  }

  /// The i-th value kept: 0 is the oldest, size() - 1 the newest.
  double operator[](size_t i) const {
    return buf_[wrap(head_ + i)];
  }

  /// The newest value; the ring must not be empty.
  double back() const {
    return (*this)[size_ - 1];
  }

private:
  /// An index below 2 * capacity, folded into the buffer (no division: this
  /// is on every access).
  size_t wrap(size_t i) const {
    return i < buf_.size() ? i : i - buf_.size();
  }

  std::vector<double> buf_;
  /// Index in buf_ of the oldest value.
  size_t head_ = 0;
  size_t size_ = 0;
};

} // namespace conductor

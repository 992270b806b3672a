// value_ring.hpp -- a fixed-capacity ring of doubles: the newest `capacity`
// values pushed, oldest first. All storage is allocated by the constructor, so
// pushing never allocates. Also: keeping a sorted copy of such a window up to
// date, one value in and one out at a time.
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

/// Sorted arrays of doubles, as plain pointer and size: the bisections have a
/// fixed number of halvings and no branch on the data (the comparison picks
/// an offset, which compiles to a conditional move), as each comparison's
/// outcome is a coin toss that a branch would mispredict half the time.

/// The index of the first of the `n` sorted values at `first` that is not
/// below `value` (n if none), as std::lower_bound; needs n >= 1.
inline size_t sorted_lower_bound(const double* first, size_t n, double value) {
  const double* base = first;
  while (n > 1) {
    size_t half = n / 2;
    base += base[half] < value ? half : 0;
    n -= half;
  }
  return static_cast<size_t>(base - first) + (*base < value ? 1 : 0);
}

/// The index of the first of the `n` sorted values at `first` that is above
/// `value` (n if none), as std::upper_bound; needs n >= 1.
inline size_t sorted_upper_bound(const double* first, size_t n, double value) {
  const double* base = first;
  while (n > 1) {
    size_t half = n / 2;
    base += base[half] <= value ? half : 0;
    n -= half;
  }
  return static_cast<size_t>(base - first) + (*base <= value ? 1 : 0);
}

/// Inserts `value` into the `n` sorted values at `first` (room for n + 1),
/// sliding the greater ones up by one.
inline void sorted_insert(double* first, size_t n, double value) {
  size_t i = n;
  for (; i > 0 && first[i - 1] > value; --i)
    first[i] = first[i - 1];
  first[i] = value;
}

/// Replacing `old`, one of the `n` sorted values at `first`, by `value`, in
/// two parts: sorted_replace_from() finds where to start, sorted_replace_at()
/// does it. The values strictly between the two slide by one towards old's
/// place and value takes the place freed: a walk, which costs about what a
/// bisection and a move would and touches only the values that move. Equal
/// values are interchangeable (the same bits, or zeros of either sign, which
/// compare equal and print alike), so the copy of old taken out is the one
/// nearest to value, and value goes before or after its equals, whichever is
/// nearer: quantised series have long runs of equal errors, not walked over
/// so. The result is what removing old and inserting value gives.

/// The index of the copy of `old` that `value` replaces.
inline size_t sorted_replace_from(const double* first, size_t n, double old, double value) {
  return value > old ? sorted_upper_bound(first, n, old) - 1 // old's last copy
                     : sorted_lower_bound(first, n, old);    // old's first copy
}

/// Replaces the value at `i` (from sorted_replace_from()) by `value`.
inline void sorted_replace_at(double* first, size_t n, size_t i, double value) {
  // Up when value is above the next value (then value > old, and i is old's
  // last copy); else down, which moves nothing unless value < old (then i is
  // old's first copy, and the values below it that exceed value slide up).
  if (i + 1 < n && first[i + 1] < value) {
    for (; i + 1 < n && first[i + 1] < value; ++i)
      first[i] = first[i + 1];
  } else {
    for (; i > 0 && first[i - 1] > value; --i)
      first[i] = first[i - 1];
  }
  first[i] = value;
}

/// Both parts at once.
inline void sorted_replace(double* first, size_t n, double old, double value) {
  sorted_replace_at(first, n, sorted_replace_from(first, n, old, value), value);
}

} // namespace conductor

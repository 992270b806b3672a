// sync_counting_vfs.hpp -- counts the syncs (fsync/fdatasync) SQLite asks for,
// so a test can tell a durable commit from one that is not: a thin VFS in
// front of the real one, the default while it is in scope. Every file is the
// real VFS's file on the real disk; only xSync is counted on its way through.
#pragma once

#include <sqlite3.h>

namespace conductor::test {

class sync_counting_vfs {
public:
  sync_counting_vfs() {
    real_ = sqlite3_vfs_find(nullptr);
    shim_ = *real_;
    shim_.zName = "conductor-sync-counting";
    shim_.szOsFile = sizeof(shim_file);
    shim_.xOpen = &open;
    sqlite3_vfs_register(&shim_, 1);
  }
  ~sync_counting_vfs() {
    sqlite3_vfs_unregister(&shim_);
    sqlite3_vfs_register(real_, 1);
  }
  sync_counting_vfs(const sync_counting_vfs&) = delete;
  sync_counting_vfs& operator=(const sync_counting_vfs&) = delete;

  /// Syncs asked for since the program started.
  static int syncs() {
    return syncs_;
  }

private:
  /// Ours in front, the real VFS's file (allocated at open) behind.
  struct shim_file {
    sqlite3_file base;
    sqlite3_file* real;
  };

  static sqlite3_file* real(sqlite3_file* f) {
    return reinterpret_cast<shim_file*>(f)->real;
  }
  static const sqlite3_io_methods* of(sqlite3_file* f) {
    return real(f)->pMethods;
  }

  static int close(sqlite3_file* f) {
    int rc = of(f) ? of(f)->xClose(real(f)) : SQLITE_OK;
    sqlite3_free(real(f));
    return rc;
  }
  static int read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
    return of(f)->xRead(real(f), buf, n, off);
  }
  static int write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
    return of(f)->xWrite(real(f), buf, n, off);
  }
  static int truncate(sqlite3_file* f, sqlite3_int64 size) {
    return of(f)->xTruncate(real(f), size);
  }
  static int sync(sqlite3_file* f, int flags) {
    ++syncs_;
    return of(f)->xSync(real(f), flags);
  }
  static int file_size(sqlite3_file* f, sqlite3_int64* size) {
    return of(f)->xFileSize(real(f), size);
  }
  static int lock(sqlite3_file* f, int level) {
    return of(f)->xLock(real(f), level);
  }
  static int unlock(sqlite3_file* f, int level) {
    return of(f)->xUnlock(real(f), level);
  }
  static int check_reserved(sqlite3_file* f, int* out) {
    return of(f)->xCheckReservedLock(real(f), out);
  }
  static int file_control(sqlite3_file* f, int op, void* arg) {
    return of(f)->xFileControl(real(f), op, arg);
  }
  static int sector_size(sqlite3_file* f) {
    return of(f)->xSectorSize(real(f));
  }
  static int device(sqlite3_file* f) {
    return of(f)->xDeviceCharacteristics(real(f));
  }
  static int shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** p) {
    return of(f)->xShmMap(real(f), region, size, extend, p);
  }
  static int shm_lock(sqlite3_file* f, int offset, int n, int flags) {
    return of(f)->xShmLock(real(f), offset, n, flags);
  }
  static void shm_barrier(sqlite3_file* f) {
    of(f)->xShmBarrier(real(f));
  }
  static int shm_unmap(sqlite3_file* f, int remove) {
    return of(f)->xShmUnmap(real(f), remove);
  }

  static int open(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out) {
    static const sqlite3_io_methods methods{
      2,         &close,    &read,        &write,     &truncate,    &sync,
      &file_size, &lock,    &unlock,      &check_reserved, &file_control, &sector_size,
      &device,   &shm_map,  &shm_lock,    &shm_barrier, &shm_unmap,  nullptr,
      nullptr};
    auto* s = reinterpret_cast<shim_file*>(f);
    s->real = static_cast<sqlite3_file*>(sqlite3_malloc(real_->szOsFile));
    if (!s->real)
      return SQLITE_NOMEM;
    s->real->pMethods = nullptr;
    int rc = real_->xOpen(real_, name, s->real, flags, out);
    if (rc != SQLITE_OK) {
      sqlite3_free(s->real);
      f->pMethods = nullptr;
      return rc;
    }
    f->pMethods = &methods;
    return rc;
  }

  static inline sqlite3_vfs* real_ = nullptr;
  static inline int syncs_ = 0;
  sqlite3_vfs shim_{};
};

} // namespace conductor::test

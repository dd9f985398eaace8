// -----------------------------------------------------------------------------
// File: worker_thread.h
// -----------------------------------------------------------------------------
//
// WorkerThread runs a function on a new thread whose stack Berth maps and
// unmaps itself. glibc caches the stacks of finished threads (up to 40 MB)
// with every page they touched still resident; a daemon that starts a few
// threads per pull would keep tens of megabytes after the pull is over.
// A WorkerThread's stack is returned to the kernel when it is joined.
//
// Like std::thread: join before destruction (the destructor joins if the
// caller did not). Not copyable or movable.

#ifndef ENGINE_BASE_WORKER_THREAD_H_
#define ENGINE_BASE_WORKER_THREAD_H_

#include <pthread.h>

#include <cstddef>
#include <functional>

namespace base {

class WorkerThread {
 public:
  // Starts `fn` on a thread with a `stack_size`-byte stack. Aborts if the
  // thread cannot be created (as std::thread throws): a daemon out of
  // threads or address space cannot go on usefully.
  explicit WorkerThread(std::function<void()> fn, size_t stack_size = 2 << 20);
  ~WorkerThread();
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;

  // Waits for the function to return and unmaps the stack. Idempotent.
  void Join();

 private:
  static void* Run(void* self);

  std::function<void()> fn_;
  pthread_t thread_;
  void* stack_ = nullptr;
  size_t stack_size_ = 0;
  bool joined_ = false;
};

}  // namespace base

#endif  // ENGINE_BASE_WORKER_THREAD_H_
